import type { BrowserWindow, IpcMain } from 'electron';
import { createIPCHandler, ELECTRON_TRPC_CHANNEL } from 'electron-trpc/main';
import type { IpcEventLike } from '../../router/context';
import type { AppRouter } from '../../router/index';
import type { Context } from '../../router/trpc';

/**
 * electron-trpc 0.7.1 with two guards around the frame reads it does without a null check:
 *
 * 1. Every IPC message: it builds a subscription key from `event.senderFrame.routingId` before
 *    anything else. senderFrame is null once the frame navigated away, and any read of a disposed
 *    frame throws "Render frame was disposed before WebFrameMain could be accessed"; either way the
 *    throw escapes the ipcMain listener (an uncaught main-process exception) and the call never
 *    answers. The guard hands electron-trpc a stand-in frame with only a routingId; createContext
 *    then finds no origin/url, makes the sender `null`, and the sender check answers FORBIDDEN.
 * 2. `did-start-navigation`: it reads `details.frame.routingId` to close the frame's subscriptions,
 *    but Electron types that frame `WebFrameMain | null` (null or disposed once it navigated or was
 *    destroyed). Same class of failure as superset-sh/superset#7335 (trpc-electron, a fork). The
 *    guard closes all of the webContents' subscriptions when its main frame can no longer be read
 *    (electron-trpc matches keys by prefix) and ignores unreadable subframes, which never hold
 *    subscriptions because the sender check refuses subframes.
 */

type IpcListener = (event: IpcEventLike, ...args: unknown[]) => void;
type IpcMainLike = Pick<IpcMain, 'listeners' | 'removeListener' | 'on'>;

const GONE_FRAME = Object.freeze({ routingId: -1 });

function routingIdOf(frame: unknown): number | undefined {
  try {
    const id = (frame as { routingId?: unknown } | null | undefined)?.routingId;
    return typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}

function senderFrameRoutingId(event: IpcEventLike): number | undefined {
  try {
    return routingIdOf(event.senderFrame);
  } catch {
    return undefined;
  }
}

/** The event as is when its frame is readable, else a view of it whose senderFrame is GONE_FRAME. */
export function withReadableSenderFrame<E extends IpcEventLike>(event: E): E {
  if (senderFrameRoutingId(event) !== undefined) return event;
  const view = Object.create(event) as E;
  Object.defineProperty(view, 'senderFrame', { value: GONE_FRAME });
  return view;
}

type NavigationDetails = { isSameDocument?: boolean; isMainFrame?: boolean; frame?: unknown };
type NavigationListener = (details: NavigationDetails, ...rest: unknown[]) => void;

export function guardNavigationListener(listener: NavigationListener): NavigationListener {
  return (details, ...rest) => {
    if (details.isSameDocument) return listener(details, ...rest);
    const routingId = routingIdOf(details.frame);
    if (routingId !== undefined) return listener(details, ...rest);
    if (!details.isMainFrame) return undefined;
    return listener({ isSameDocument: false, isMainFrame: true, frame: { routingId: undefined } }, ...rest);
  };
}

/** A view of the window whose webContents registers guarded did-start-navigation listeners. */
function navigationSafeWindow(win: BrowserWindow): BrowserWindow {
  const contents = win.webContents;
  const bindTo = <T extends object>(target: T, value: unknown) => (typeof value === 'function' ? value.bind(target) : value);
  const safeContents: typeof contents = new Proxy(contents, {
    get(target, prop) {
      if (prop === 'on') {
        return (eventName: string, listener: NavigationListener) => {
          target.on(eventName as 'did-start-navigation', (eventName === 'did-start-navigation' ? guardNavigationListener(listener) : listener) as never);
          return safeContents;
        };
      }
      return bindTo(target, Reflect.get(target, prop, target));
    },
  });
  return new Proxy(win, {
    get(target, prop) {
      if (prop === 'webContents') return safeContents;
      return bindTo(target, Reflect.get(target, prop, target));
    },
  });
}

export interface BridgeHandlerOptions {
  ipcMain: IpcMainLike;
  router: AppRouter;
  createContext: (opts: { event: IpcEventLike }) => Promise<Context>;
}

export interface BridgeHandler {
  attachWindow(win: BrowserWindow): void;
}

/** Starts serving the router over IPC; windows are attached as the composition root creates them. */
export function createBridgeHandler({ ipcMain, router, createContext }: BridgeHandlerOptions): BridgeHandler {
  const before = new Set(ipcMain.listeners(ELECTRON_TRPC_CHANNEL));
  const handler = createIPCHandler({ router, createContext });
  for (const listener of ipcMain.listeners(ELECTRON_TRPC_CHANNEL)) {
    if (before.has(listener)) continue;
    ipcMain.removeListener(ELECTRON_TRPC_CHANNEL, listener as IpcListener);
    ipcMain.on(ELECTRON_TRPC_CHANNEL, ((event: IpcEventLike, ...args: unknown[]) => (listener as IpcListener)(withReadableSenderFrame(event), ...args)) as never);
  }
  const views = new WeakMap<BrowserWindow, BrowserWindow>();
  return {
    attachWindow(win) {
      const view = views.get(win) ?? navigationSafeWindow(win);
      views.set(win, view);
      handler.attachWindow(view);
    },
  };
}
