import type { BrowserWindow } from 'electron';
import { createSecureWindow } from './secure-window';

/** The splash's own session: nothing it does is shared with the kiosk's persistent partition. */
export const SPLASH_PARTITION = 'aether-splash';

export interface SplashDeps {
  preload: string;
  /** dist/splash/index.html */
  splashFile: string;
  packaged: boolean;
  /** Called before the page loads, so its first bridge call already finds its role. */
  register(window: BrowserWindow): void;
}

/** The local page that shows bootstrap live through the bridge (it is an allowed sender). */
export function openSplashWindow({ preload, splashFile, packaged, register }: SplashDeps): BrowserWindow {
  const window = createSecureWindow({
    width: 640,
    height: 400,
    show: false,
    center: true,
    resizable: false,
    title: 'Aether Native',
    backgroundColor: '#101418',
    webPreferences: { preload, partition: SPLASH_PARTITION, packaged },
  });
  window.once('ready-to-show', () => window.show());
  register(window);
  void window.loadFile(splashFile);
  return window;
}
