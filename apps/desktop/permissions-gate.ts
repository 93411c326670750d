import type { WebContents } from 'electron';
import type { Logger } from '../../base/logger';
import type { Platform } from '../../base/platform';
import type { PermissionsService, TccPermissions } from '../../kiosk/permissions-service';

/**
 * Holds the kiosk back while the splash walks through the macOS permissions (DESIGN §10), until
 * they are all granted, ops press "Continue without" on the splash, the splash is gone, or
 * `maxWaitMs` passed — so a kiosk that restarts unattended with a permission missing still opens.
 * "Continue without" arrives as the `permissions.continueWithout` procedure, which only the splash
 * may call; it is remembered, so a press while bootstrap still runs counts too.
 */

export type GateOutcome = 'not-applicable' | 'complete' | 'continued-without' | 'splash-gone' | 'timed-out' | 'unchecked';

export interface ContinueSignal {
  continueWithout(): void;
  /** Calls `listener` once ops continued (at once if they already did); returns an unsubscribe. */
  onContinue(listener: () => void): () => void;
}

export function createContinueSignal(): ContinueSignal {
  const listeners = new Set<() => void>();
  let continued = false;
  return {
    continueWithout() {
      continued = true;
      for (const listener of [...listeners]) listener();
      listeners.clear();
    },
    onContinue(listener) {
      if (continued) {
        listener();
        return () => {};
      }
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

/** The `permissions` group's service: the TCC service plus the splash's "Continue without". */
export function withContinueWithout(tcc: TccPermissions, signal: ContinueSignal): PermissionsService {
  return {
    status: () => tcc.status(),
    request: (kind) => tcc.request(kind),
    openSettings: (kind) => tcc.openSettings(kind),
    continueWithout: () => signal.continueWithout(),
  };
}

export interface PermissionsGateDeps {
  platform: Platform;
  permissions: Pick<TccPermissions, 'status'>;
  continued: Pick<ContinueSignal, 'onContinue'>;
  splash: Pick<WebContents, 'off' | 'once' | 'isDestroyed'> | null;
  logger: Logger;
  pollMs?: number;
  maxWaitMs?: number;
}

export const DEFAULT_GATE_POLL_MS = 2_000;
export const DEFAULT_GATE_MAX_WAIT_MS = 10 * 60_000;

export async function waitForPermissions({ platform, permissions, continued, splash, logger, pollMs = DEFAULT_GATE_POLL_MS, maxWaitMs = DEFAULT_GATE_MAX_WAIT_MS }: PermissionsGateDeps): Promise<GateOutcome> {
  if (platform !== 'darwin') return 'not-applicable';
  if ((await permissions.status()).complete) return 'complete';
  if (!splash || splash.isDestroyed()) return 'splash-gone';

  const timers: Array<ReturnType<typeof setTimeout>> = [];
  let stopListening: () => void = () => {};
  let onGone: () => void = () => {};
  let settled = false;
  const outcome = await new Promise<GateOutcome>((settle) => {
    const resolve = (value: GateOutcome) => {
      settled = true;
      settle(value);
    };
    onGone = () => resolve('splash-gone');
    splash.once('destroyed', onGone);
    stopListening = continued.onContinue(() => resolve('continued-without'));
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
  stopListening();
  if (!splash.isDestroyed()) splash.off('destroyed', onGone);
  logger.info({ outcome }, 'permissions step finished');
  return outcome;
}
