import type { WebContents } from 'electron';
import type { Logger } from '../common/logger';
import type { Platform } from '../common/platform';
import type { PermissionsService } from '../../kiosk/permissions-service';
import { CONTINUE_WITHOUT_HASH } from './splash/permissions-panel';

/**
 * Holds the kiosk back while the splash walks through the macOS permissions (DESIGN §10), until
 * they are all granted, ops press "Continue without" on the splash, the splash is gone, or
 * `maxWaitMs` passed — so a kiosk that restarts unattended with a permission missing still opens.
 * The splash signals "Continue without" by a same-document navigation to CONTINUE_WITHOUT_HASH;
 * only the splash's own webContents is listened to.
 */

export type GateOutcome = 'not-applicable' | 'complete' | 'continued-without' | 'splash-gone' | 'timed-out' | 'unchecked';

export interface PermissionsGateDeps {
  platform: Platform;
  permissions: Pick<PermissionsService, 'status'>;
  splash: Pick<WebContents, 'on' | 'off' | 'once' | 'isDestroyed'> | null;
  logger: Logger;
  pollMs?: number;
  maxWaitMs?: number;
}

export const DEFAULT_GATE_POLL_MS = 2_000;
export const DEFAULT_GATE_MAX_WAIT_MS = 10 * 60_000;

export async function waitForPermissions({ platform, permissions, splash, logger, pollMs = DEFAULT_GATE_POLL_MS, maxWaitMs = DEFAULT_GATE_MAX_WAIT_MS }: PermissionsGateDeps): Promise<GateOutcome> {
  if (platform !== 'darwin') return 'not-applicable';
  if ((await permissions.status()).complete) return 'complete';
  if (!splash || splash.isDestroyed()) return 'splash-gone';

  const timers: Array<ReturnType<typeof setTimeout>> = [];
  let onInPage: (event: unknown, url: string, isMainFrame: boolean) => void = () => {};
  let onGone: () => void = () => {};
  let settled = false;
  const outcome = await new Promise<GateOutcome>((settle) => {
    const resolve = (value: GateOutcome) => {
      settled = true;
      settle(value);
    };
    onInPage = (_event, url, isMainFrame) => {
      if (isMainFrame && hashOf(url) === CONTINUE_WITHOUT_HASH) resolve('continued-without');
    };
    onGone = () => resolve('splash-gone');
    splash.on('did-navigate-in-page', onInPage);
    splash.once('destroyed', onGone);
    timers.push(setTimeout(() => resolve('timed-out'), maxWaitMs));
    const poll = () => {
      if (settled) return;
      permissions.status().then(
        (overview) => (overview.complete ? resolve('complete') : settled || timers.push(setTimeout(poll, pollMs))),
        (error: unknown) => {
          logger.warn({ err: error }, 'permissions could not be checked; the kiosk opens without waiting');
          resolve('unchecked');
        },
      );
    };
    timers.push(setTimeout(poll, pollMs));
  });
  for (const timer of timers) clearTimeout(timer);
  if (!splash.isDestroyed()) {
    splash.off('did-navigate-in-page', onInPage);
    splash.off('destroyed', onGone);
  }
  logger.info({ outcome }, 'permissions step finished');
  return outcome;
}

function hashOf(url: string): string {
  try {
    return new URL(url).hash;
  } catch {
    return '';
  }
}
