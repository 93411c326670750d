import type { App } from 'electron';
import type { Logger } from '../../base/logger';

/**
 * `window-all-closed`: the kiosk app quits when its last window closes, except while it is between
 * windows (the splash already gone, e.g. closed during the permissions step, and the kiosk not open
 * yet). A switch that ends with no window open quits then, so the app never lingers invisible.
 */

export interface WindowLifecycleDeps {
  app: Pick<App, 'on' | 'quit'>;
  openWindowCount: () => number;
  logger: Logger;
}

export interface WindowLifecycle {
  /** Runs `work` (closing one window, opening the next) with the app kept alive meanwhile. */
  switching<T>(work: () => Promise<T>): Promise<T>;
}

export function installWindowLifecycle({ app, openWindowCount, logger }: WindowLifecycleDeps): WindowLifecycle {
  let switches = 0;
  const quitIfNoWindow = () => {
    if (switches === 0 && openWindowCount() === 0) app.quit();
  };
  app.on('window-all-closed', () => {
    if (switches > 0) logger.info('all windows closed while switching windows; staying up');
    else app.quit();
  });
  return {
    async switching(work) {
      switches += 1;
      try {
        return await work();
      } finally {
        switches -= 1;
        quitIfNoWindow();
      }
    },
  };
}
