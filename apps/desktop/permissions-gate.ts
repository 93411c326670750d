import type { WebContents } from 'electron';
import { createEmitter } from '../../base/emitter';
import { assertNever, errorText } from '../../base/failure';
import type { Logger } from '../../base/logger';
import { createMachine } from '../../base/machine';
import type { Platform } from '../../base/platform';
import type { PermissionsService, TccPermissions } from '../../kiosk/permissions-service';
import {
  describeGateFailure,
  type GateEffect,
  type GateEvent,
  type GateOutcome,
  type GateState,
  gateStep,
} from '../../kiosk/permissions-gate';

export type { GateOutcome };

/**
 * Holds the kiosk back while the splash walks through the macOS permissions (DESIGN §10), until
 * they are all granted, ops press "Continue without" on the splash, the splash is gone, or
 * `maxWaitMs` passed — so a kiosk that restarts unattended with a permission missing still opens.
 * "Continue without" arrives as the `permissions.continueWithout` procedure, which only the splash
 * may call; it is remembered, so a press while bootstrap still runs counts too. The decisions are
 * `gateStep` (kiosk/permissions-gate.ts) on the kernel; this file owns the timers and listeners.
 */

export interface ContinueSignal {
  continueWithout(): void;
  /** Calls `listener` once ops continued (at once if they already did); returns an unsubscribe. */
  onContinue(listener: () => void): () => void;
}

export function createContinueSignal(): ContinueSignal {
  const continues = createEmitter<void>();
  let continued = false;
  return {
    continueWithout() {
      continued = true;
      continues.emit();
      continues.clear();
    },
    onContinue(listener) {
      if (continued) {
        listener();
        return () => {};
      }
      return continues.on(listener);
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

export async function waitForPermissions({
  platform,
  permissions,
  continued,
  splash,
  logger,
  pollMs = DEFAULT_GATE_POLL_MS,
  maxWaitMs = DEFAULT_GATE_MAX_WAIT_MS,
}: PermissionsGateDeps): Promise<GateOutcome> {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const disarm: Array<() => void> = [];
  const later = (ms: number, event: GateEvent, dispatch: (event: GateEvent) => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      dispatch(event);
    }, ms);
    timers.add(timer);
  };

  return new Promise<GateOutcome>((resolve) => {
    const machine = createMachine<GateState, GateEvent, GateEffect>({
      initial: { kind: 'idle' },
      step: gateStep,
      onListenerError: (err) => logger.error({ err }, 'a permissions gate listener threw'),
      run(effect, dispatch) {
        switch (effect.type) {
          case 'check':
            permissions.status().then(
              (overview) => dispatch({ type: 'status', complete: overview.complete }),
              (error: unknown) => dispatch({ type: 'status-failed', detail: errorText(error) }),
            );
            return;
          case 'watch': {
            later(maxWaitMs, { type: 'timed-out' }, dispatch);
            disarm.push(continued.onContinue(() => dispatch({ type: 'continued' })));
            if (!splash || splash.isDestroyed()) return dispatch({ type: 'splash-gone' });
            const onGone = () => dispatch({ type: 'splash-gone' });
            splash.once('destroyed', onGone);
            disarm.push(() => {
              if (!splash.isDestroyed()) splash.off('destroyed', onGone);
            });
            return;
          }
          case 'schedule-poll':
            return later(pollMs, { type: 'poll-due' }, dispatch);
          case 'finish': {
            for (const timer of timers) clearTimeout(timer);
            timers.clear();
            for (const off of disarm.splice(0)) off();
            const state = machine.state();
            if (state.kind !== 'done') return;
            if (state.outcome === 'unchecked')
              logger.warn({ failure: state.failure.code }, describeGateFailure(state.failure));
            if (state.outcome !== 'not-applicable')
              logger.info({ outcome: state.outcome }, 'permissions step finished');
            machine.stop();
            return resolve(state.outcome);
          }
          default:
            return assertNever(effect, 'permissions gate effect');
        }
      },
    });
    machine.dispatch({ type: 'start', platform });
  });
}
