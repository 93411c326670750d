import type { BrowserWindow } from 'electron';
import type { Logger } from '../../base/logger';
import { createSecureWindow } from './secure-window';
import { SPLASH_PARTITION } from './splash-window';

/**
 * The splash the renderer watchdog shows over the kiosk once it has opened: "offline, retrying in
 * N s" or the error after the reload limit. It is the same local page as the startup splash; the
 * notice travels in the query string (the sender policy matches the splash by its document URL, so
 * the query does not change its right to use the bridge) and the page counts down to `retryAt`.
 */
export interface SplashNotices {
  show(message: string, retryAt: number): void;
  hide(): void;
}

export interface RecoverySplashDeps {
  preload: string;
  /** dist/splash/index.html */
  splashFile: string;
  packaged: boolean;
  logger: Logger;
  /** Registers the window as a splash sender with the bridge before its page loads. */
  register(window: BrowserWindow): void;
}

export const NOTICE_PARAM = 'notice';
export const RETRY_AT_PARAM = 'retryAt';

export function createRecoverySplash(deps: RecoverySplashDeps): SplashNotices {
  let window: BrowserWindow | null = null;

  const open = (): BrowserWindow => {
    const created = createSecureWindow({
      width: 640,
      height: 400,
      show: false,
      center: true,
      resizable: false,
      // Over the full-screen kiosk, which stays where it is so the reload can happen behind it.
      alwaysOnTop: true,
      title: 'Aether Native',
      backgroundColor: '#101418',
      webPreferences: { preload: deps.preload, partition: SPLASH_PARTITION, packaged: deps.packaged },
    });
    created.once('ready-to-show', () => created.show());
    created.on('closed', () => {
      if (window === created) window = null;
    });
    deps.register(created);
    return created;
  };

  return {
    show(message, retryAt) {
      if (!window || window.isDestroyed()) window = open();
      window
        .loadFile(deps.splashFile, { query: { [NOTICE_PARAM]: message, [RETRY_AT_PARAM]: String(retryAt) } })
        .catch((error: unknown) => {
          deps.logger.warn({ err: error }, 'recovery splash could not be shown');
        });
    },
    hide() {
      if (window && !window.isDestroyed()) window.close();
      window = null;
    },
  };
}
