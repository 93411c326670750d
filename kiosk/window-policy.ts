import type { Platform } from '../base/platform';

/**
 * Every BrowserWindow option of the app, chosen once from the platform value (DESIGN §3, §9, §10).
 * Plain data so each platform's choice is tested on one machine; apps/desktop/secure-window.ts
 * checks these shapes against Electron's own option types at compile time.
 */

/** The kiosk's own persistent session: cookies survive restarts, nothing is shared with the splash. */
export const KIOSK_PARTITION = 'persist:aether-kiosk';

export interface WebPreferencesInput {
  /** Absolute path of the bundled preload (sandboxed preloads cannot load npm modules). */
  preload: string;
  partition: string;
  /** Dev tools are only available outside the packaged app. */
  packaged: boolean;
}

/** The one literal every window of the app is created with; callers cannot weaken it. */
export function secureWebPreferences({ preload, partition, packaged }: WebPreferencesInput) {
  return {
    preload,
    partition,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools: !packaged,
    // The launcher's timers must keep running while a presentation covers the window.
    backgroundThrottling: false,
  } as const;
}

export type SecureWebPreferences = ReturnType<typeof secureWebPreferences>;

export type WindowMode = 'kiosk' | 'windowed';

/**
 * How the window covers the screen in kiosk mode.
 * macOS uses `simpleFullscreen` (pre-Lion full screen in the current Space) and not `kiosk`: Electron's
 * macOS kiosk mode moves the window to its own full-screen Space and disables process switching, so a
 * presentation opened by `launch.open` would open behind it or in another Space. In simple full screen
 * the menu bar and Dock are hidden, PowerPoint/Keynote can come in front, and the launcher is back in
 * front as soon as the presentation closes. Linux and Windows use ordinary full screen for the same reason.
 */
export type FullscreenStrategy = 'simple-fullscreen' | 'fullscreen' | 'none';

export interface WindowPlanInput {
  platform: Platform;
  packaged: boolean;
  argv: readonly string[];
  preload: string;
}

export interface WindowPlan {
  mode: WindowMode;
  fullscreen: FullscreenStrategy;
  /** Whether the shortcuts that close, quit, reload or escape the window are intercepted. */
  guardShortcuts: boolean;
  /** Whether the display is kept awake (powerSaveBlocker) while this window lives. */
  keepDisplayAwake: boolean;
  /** A `--windowed` flag given to a packaged app is ignored, and this says so for the log. */
  ignoredFlag: string | null;
  options: {
    show: false;
    title: string;
    backgroundColor: string;
    transparent: false;
    frame: boolean;
    fullscreen: boolean;
    simpleFullscreen: boolean;
    fullscreenable: boolean;
    kiosk: false;
    alwaysOnTop: false;
    autoHideMenuBar: boolean;
    minimizable: boolean;
    closable: boolean;
    width: number;
    height: number;
    webPreferences: SecureWebPreferences;
  };
}

export const WINDOWED_FLAG = '--windowed';

export function planKioskWindow({ platform, packaged, argv, preload }: WindowPlanInput): WindowPlan {
  const flagGiven = argv.includes(WINDOWED_FLAG);
  const mode: WindowMode = flagGiven && !packaged ? 'windowed' : 'kiosk';
  const kiosk = mode === 'kiosk';
  const fullscreen: FullscreenStrategy = !kiosk ? 'none' : platform === 'darwin' ? 'simple-fullscreen' : 'fullscreen';
  return {
    mode,
    fullscreen,
    guardShortcuts: kiosk,
    keepDisplayAwake: kiosk,
    ignoredFlag: flagGiven && packaged ? WINDOWED_FLAG : null,
    options: {
      show: false,
      title: 'Aether',
      // Opaque everywhere: a transparent kiosk would show the desktop through an unpainted page.
      backgroundColor: '#000000',
      transparent: false,
      frame: !(kiosk && platform === 'darwin'),
      fullscreen: kiosk,
      simpleFullscreen: fullscreen === 'simple-fullscreen',
      fullscreenable: true,
      kiosk: false,
      alwaysOnTop: false,
      autoHideMenuBar: kiosk,
      minimizable: !kiosk,
      closable: !kiosk,
      width: 1280,
      height: 800,
      webPreferences: secureWebPreferences({ preload, partition: KIOSK_PARTITION, packaged }),
    },
  };
}
