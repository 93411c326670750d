import type { App, BrowserWindow } from 'electron';
import type { Logger } from '../../base/logger';
import type { IdentityView } from '../../core/identity';
import type { ResolvedIdentity } from '../../provisioning/bootstrap-state';

/**
 * The order of a start (DESIGN §4): single-instance lock, splash, bootstrap, kiosk window on the
 * target URL. Everything it touches is passed in, so tests drive it with the fake electron module.
 */
export interface StartupDeps {
  app: Pick<App, 'requestSingleInstanceLock' | 'on' | 'quit' | 'whenReady'>;
  logger: Logger;
  /** Everything that needs the app ready (safeStorage, sessions), built once it is. */
  prepare(): Promise<ReadyParts>;
}

export interface ReadyParts {
  /** Creates the splash window, registers it with the bridge, then loads the local page. */
  openSplash(): BrowserWindow;
  /** Starts the core: bootstrap to ready or offline-ready (retrying failures itself); its identity, or why there is none. */
  start(): Promise<IdentityView>;
  /** Creates the kiosk window, registers it with the bridge, then loads the target URL. */
  openKiosk(identity: ResolvedIdentity): Promise<BrowserWindow>;
}

export interface Started {
  splash: BrowserWindow;
  kiosk: BrowserWindow | null;
}

function focus(window: BrowserWindow | null): void {
  if (!window || window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

/** Resolves null when another instance holds the lock (this one quits at once). */
export async function startApp({ app, logger, prepare }: StartupDeps): Promise<Started | null> {
  if (!app.requestSingleInstanceLock()) {
    logger.info('another Aether Native is already running; handing over to it');
    app.quit();
    return null;
  }
  const started: Started = { splash: null as unknown as BrowserWindow, kiosk: null };
  app.on('second-instance', () => focus(started.kiosk ?? started.splash));
  await app.whenReady();
  const parts = await prepare();
  started.splash = parts.openSplash();
  const outcome = await parts.start();
  if (outcome.kind !== 'identified') {
    logger.error({ why: outcome.why.code }, 'bootstrap stopped before the kiosk could open');
    return started;
  }
  started.kiosk = await parts.openKiosk(outcome);
  if (!started.splash.isDestroyed()) started.splash.close();
  return started;
}
