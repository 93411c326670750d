import type { BrowserWindow, Session } from 'electron';
import type { Logger } from '../../base/logger';
import type { WatchdogClock, WatchdogConfig, WatchdogState } from '../../kiosk/watchdog';
import { KIOSK_PARTITION } from '../../kiosk/window-policy';
import { openKioskWindow, type KioskWindow, type KioskWindowDeps } from './kiosk-window';
import type { NavigationLock } from './navigation-lock';
import { installPermissionHandlers } from './permission-handlers';
import type { SplashNotices } from './recovery-splash';
import { watchRenderer } from './renderer-watchdog';

/**
 * The kiosk as the composition root opens it: its session's deny-by-default permission handlers
 * (installed once, before any window), then the window loaded through the renderer watchdog so a
 * crash, a hang or a lost network heals itself instead of leaving a dead page.
 */

export interface KioskSessionDeps {
  session: { fromPartition(partition: string): Session };
  navigation: Pick<NavigationLock, 'policy'>;
  logger: Logger;
}

/** The allow list is read per request, so it follows the policy set once the identity is known. */
export function installKioskSessionGuards({ session, navigation, logger }: KioskSessionDeps): void {
  installPermissionHandlers(
    session.fromPartition(KIOSK_PARTITION),
    () => navigation.policy().allowList,
    logger.child({ module: 'permissions' }),
  );
}

export interface WatchedKioskDeps extends KioskWindowDeps {
  navigation: Pick<NavigationLock, 'load'>;
  /** Registers the window with the bridge as the kiosk sender before anything loads. */
  register(window: BrowserWindow): void;
  /** `net.isOnline()` */
  isOnline(): boolean;
  splash: SplashNotices;
  clock?: WatchdogClock;
  watchdogConfig?: WatchdogConfig;
  /** Every watchdog state, e.g. for the update helper's health marker on the first `healthy`. */
  onState?: (state: WatchdogState) => void;
}

export interface WatchedKiosk {
  kiosk: KioskWindow;
  watchdog: ReturnType<typeof watchRenderer>;
  /** Resolves once the first load settled: the page is up, or the splash explains why not. */
  settled: Promise<WatchdogState>;
}

const SETTLED: ReadonlySet<WatchdogState['kind']> = new Set(['healthy', 'offline', 'gave-up']);

export function openWatchedKiosk(deps: WatchedKioskDeps, targetUrl: string): WatchedKiosk {
  const kiosk = openKioskWindow(deps);
  deps.register(kiosk.window);
  const contents = kiosk.window.webContents;
  let settle: (state: WatchdogState) => void = () => {};
  const settled = new Promise<WatchdogState>((resolve) => (settle = resolve));
  const watchdog = watchRenderer({
    contents,
    logger: deps.logger.child({ module: 'watchdog' }),
    load: (url) => deps.navigation.load(contents, url),
    isOnline: deps.isOnline,
    showSplash: (message, retryAt) => deps.splash.show(message, retryAt),
    showKiosk: () => {
      deps.splash.hide();
      kiosk.bringToFront();
    },
    onState: (state) => {
      if (SETTLED.has(state.kind)) settle(state);
      deps.onState?.(state);
    },
    clock: deps.clock,
    config: deps.watchdogConfig,
  });
  contents.once('destroyed', () => settle(watchdog.state()));
  watchdog.start(targetUrl);
  return { kiosk, watchdog, settled };
}
