import type { DesktopCapturer, Shell, SystemPreferences } from 'electron';
import type { Logger } from '../../base/logger';
import type { Platform } from '../../base/platform';
import {
  createPermissionsService,
  type MacPermissionsApi,
  type ScreenCaptureProbe,
  type TccPermissions,
} from '../../kiosk/permissions-service';
import type { CommandRunner } from '../../base/command-runner';

/**
 * The Electron side of the `permissions` group (kiosk/permissions-service.ts decides everything):
 * systemPreferences for TCC status and prompts, a bounded screen capture as the Screen Recording
 * probe, shell.openExternal for the fixed System Settings panes only, and a command runner for the
 * Automation (Apple Events) probe's osascript.
 */

export class ScreenProbeTimeoutError extends Error {
  override readonly name = 'ScreenProbeTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(
      `The screen capture probe did not answer within ${timeoutMs} ms (macOS may be showing its Screen Recording prompt).`,
    );
  }
}

export class SettingsUrlRefusedError extends Error {
  override readonly name = 'SettingsUrlRefusedError';
  constructor(readonly url: string) {
    super(`Only System Settings panes may be opened for permissions, not ${url.slice(0, 120)}.`);
  }
}

/** The only scheme `openSettingsPane` passes to the OS. */
export const SETTINGS_URL_PREFIX = 'x-apple.systempreferences:';

export function macPermissionsApi(
  systemPreferences: Pick<
    SystemPreferences,
    'getMediaAccessStatus' | 'askForMediaAccess' | 'isTrustedAccessibilityClient'
  >,
): MacPermissionsApi {
  return {
    getMediaAccessStatus: (mediaType) => systemPreferences.getMediaAccessStatus(mediaType),
    askForMediaAccess: (mediaType) => systemPreferences.askForMediaAccess(mediaType),
    isTrustedAccessibilityClient: (prompt) => systemPreferences.isTrustedAccessibilityClient(prompt),
  };
}

/**
 * A 1×1 screen capture: enough for macOS to list the app under Screen Recording (and, on some
 * versions, prompt), without the cost of real thumbnails. getSources can stay pending while the
 * prompt is up, so it is raced against `timeoutMs`.
 */
export function screenCaptureProbe(desktopCapturer: Pick<DesktopCapturer, 'getSources'>): ScreenCaptureProbe {
  return async (timeoutMs) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new ScreenProbeTimeoutError(timeoutMs)), timeoutMs);
      timer.unref?.();
    });
    try {
      const sources = await Promise.race([
        desktopCapturer.getSources({ types: ['screen'], thumbnailSize: { width: 1, height: 1 } }),
        timeout,
      ]);
      return sources.length;
    } finally {
      clearTimeout(timer);
    }
  };
}

export function settingsPaneOpener(shell: Pick<Shell, 'openExternal'>): (url: string) => Promise<void> {
  return async (url) => {
    if (!url.startsWith(SETTINGS_URL_PREFIX)) throw new SettingsUrlRefusedError(url);
    await shell.openExternal(url);
  };
}

export interface DesktopPermissionsDeps {
  platform: Platform;
  logger: Logger;
  systemPreferences: Pick<
    SystemPreferences,
    'getMediaAccessStatus' | 'askForMediaAccess' | 'isTrustedAccessibilityClient'
  >;
  desktopCapturer: Pick<DesktopCapturer, 'getSources'>;
  shell: Pick<Shell, 'openExternal'>;
  /** Runs the Automation probe's `osascript`; its timeout bounds how long a prompt nobody answers holds a check. */
  run: CommandRunner;
}

/** The `permissions` service for the composition root (apps/desktop/main.ts). */
export function createDesktopPermissionsService(deps: DesktopPermissionsDeps): TccPermissions {
  return createPermissionsService({
    platform: deps.platform,
    logger: deps.logger.child({ module: 'permissions' }),
    systemPreferences: macPermissionsApi(deps.systemPreferences),
    screenCaptureProbe: screenCaptureProbe(deps.desktopCapturer),
    openSettingsPane: settingsPaneOpener(deps.shell),
    run: deps.run,
  });
}
