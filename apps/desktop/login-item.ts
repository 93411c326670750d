import type { App } from 'electron';
import type { Logger } from '../../base/logger';
import type { Platform } from '../../base/platform';

/**
 * Starts the kiosk at login (DESIGN §1). Only the packaged app registers itself: a development run
 * would register the bare Electron binary. On Linux nothing is written: autostart belongs to the
 * desktop session, and ops install an XDG autostart entry (docs/SECURITY.md shows it), because the
 * AppImage path changes with every update and a file written by the app would point at an old one.
 * Keeping the display awake is the kiosk window's job (kiosk-window.ts, while it is a kiosk).
 */

export type LoginItemOutcome = 'registered' | 'development' | 'desktop-session';

export interface LoginItemDeps {
  app: Pick<App, 'setLoginItemSettings'>;
  platform: Platform;
  packaged: boolean;
  logger: Logger;
}

export function registerLoginItem({ app, platform, packaged, logger }: LoginItemDeps): LoginItemOutcome {
  if (!packaged) {
    logger.debug('development run: not registered as a login item');
    return 'development';
  }
  if (platform === 'linux') {
    logger.info(
      "autostart on Linux is the desktop session's job: install ~/.config/autostart/aether-native.desktop (docs/SECURITY.md)",
    );
    return 'desktop-session';
  }
  app.setLoginItemSettings({ openAtLogin: true });
  logger.info({ platform }, 'registered to open at login');
  return 'registered';
}
