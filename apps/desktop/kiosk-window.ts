import type { App, BrowserWindow, PowerSaveBlocker } from 'electron';
import type { Logger } from 'pino';
import type { Platform } from '../../base/platform';
import { classifyShortcut } from '../../kiosk/kiosk-shortcuts';
import { planKioskWindow, type WindowPlan } from '../../kiosk/window-policy';
import { createSecureWindow } from './secure-window';

/**
 * The kiosk window: created from the window plan, guarded against attendees closing or escaping it,
 * with the ops escape chord and the display kept awake while it is a kiosk.
 */

export interface KioskWindowDeps {
  app: Pick<App, 'on'>;
  powerSaveBlocker: Pick<PowerSaveBlocker, 'start' | 'stop' | 'isStarted'>;
  platform: Platform;
  packaged: boolean;
  argv: readonly string[];
  preload: string;
  logger: Logger;
}

export interface KioskWindow {
  window: BrowserWindow;
  plan: WindowPlan;
  /** Brings the launcher back in front (after a presentation closes). */
  bringToFront(): void;
  /** Ops escape: a normal, closable window for the rest of this session. */
  leaveKiosk(): void;
  isKiosk(): boolean;
}

export function openKioskWindow(deps: KioskWindowDeps): KioskWindow {
  const plan = planKioskWindow({
    platform: deps.platform,
    packaged: deps.packaged,
    argv: deps.argv,
    preload: deps.preload,
  });
  if (plan.ignoredFlag)
    deps.logger.warn(
      { flag: plan.ignoredFlag },
      'development flag ignored in the packaged app; use the ops escape chord instead',
    );
  const window = createSecureWindow({
    ...plan.options,
    webPreferences: {
      preload: deps.preload,
      partition: plan.options.webPreferences.partition,
      packaged: deps.packaged,
    },
  });
  let kiosk = plan.mode === 'kiosk';
  let quitting = false;
  let blocker: number | null = null;

  const enterFullscreen = () => {
    if (plan.fullscreen === 'simple-fullscreen') window.setSimpleFullScreen(true);
    else if (plan.fullscreen === 'fullscreen') window.setFullScreen(true);
  };

  const stopBlocker = () => {
    if (blocker !== null && deps.powerSaveBlocker.isStarted(blocker)) deps.powerSaveBlocker.stop(blocker);
    blocker = null;
  };

  if (plan.keepDisplayAwake) blocker = deps.powerSaveBlocker.start('prevent-display-sleep');

  window.once('ready-to-show', () => {
    window.show();
    if (kiosk) enterFullscreen();
  });

  deps.app.on('before-quit', () => {
    quitting = true;
  });

  // Alt+F4 and the window manager's close button end up here; only quitting the app may close it.
  window.on('close', (event) => {
    if (kiosk && !quitting) {
      event.preventDefault();
      deps.logger.info('kiosk window close refused');
    }
  });
  window.on('closed', stopBlocker);

  const leaveKiosk = () => {
    if (!kiosk) return;
    kiosk = false;
    if (plan.fullscreen === 'simple-fullscreen') window.setSimpleFullScreen(false);
    if (plan.fullscreen === 'fullscreen') window.setFullScreen(false);
    window.setClosable(true);
    stopBlocker();
    deps.logger.warn('ops escape: kiosk mode left for this session');
  };

  if (plan.guardShortcuts) {
    window.webContents.on('before-input-event', (event, input) => {
      if (!kiosk) return;
      const action = classifyShortcut(input, deps.platform);
      if (action === 'pass') return;
      event.preventDefault();
      if (action === 'ops-escape') leaveKiosk();
    });
  }

  return {
    window,
    plan,
    bringToFront() {
      if (window.isDestroyed()) return;
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
      if (kiosk) enterFullscreen();
    },
    leaveKiosk,
    isKiosk: () => kiosk,
  };
}
