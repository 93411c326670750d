/**
 * One AbortSignal per page (webContents id) that aborts when the page goes away: its main frame
 * navigates to another document or the webContents is destroyed. A call that waits on the page's
 * behalf (launch.open waiting for a download) stops waiting then (issue 12). The edge reports the
 * ends; nothing here touches electron.
 */
export interface PageLifetimes {
  /** The signal of the page as it is now (a new one after each end). */
  signalOf(webContentsId: number): AbortSignal;
  /** The page navigated away or was destroyed: waits on its behalf end. */
  ended(webContentsId: number, destroyed?: boolean): void;
}

export function createPageLifetimes(): PageLifetimes {
  const live = new Map<number, AbortController>();
  return {
    signalOf(id) {
      let controller = live.get(id);
      if (!controller) {
        controller = new AbortController();
        live.set(id, controller);
      }
      return controller.signal;
    },
    ended(id) {
      live.get(id)?.abort(new Error('the page went away'));
      live.delete(id);
    },
  };
}
