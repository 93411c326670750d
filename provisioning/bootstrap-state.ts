import type { DeviceRecord, SiteDomain } from '../contracts/api';
import { stay, to, type Transition } from '../base/machine';
import { assertNever } from '../base/failure';
import { type BootstrapFailure, describeBootstrapFailure, type SeedProblem } from './bootstrap-failure';

export type { BootstrapFailure, BootstrapFailureCode, SeedProblem } from './bootstrap-failure';

/**
 * The bootstrap state machine's states (DESIGN §3, §4). The splash, `device.status` and the
 * fleet status file all show the current one. Failures are states with a typed `failure` (switch on
 * `failure.code`); `reason` and `problem` are its sentence, made by `describeBootstrapFailure` in
 * the step, for display only — never parse them.
 */
export type BootstrapState =
  | { kind: 'seeking-seed'; waitingFor?: { folder: string; file: string }; failure?: SeedProblem; problem?: string }
  | { kind: 'authenticating'; api: string | null }
  | { kind: 'identifying'; api: string }
  | { kind: 'hydrating'; api: string }
  | { kind: 'ready'; api: string; identity: ResolvedIdentity }
  | { kind: 'offline-ready'; identity: ResolvedIdentity; failure: BootstrapFailure; reason: string; since: string }
  | { kind: 'failed'; failure: BootstrapFailure; reason: string; retryAt: string | null };

export type BootstrapStateKind = BootstrapState['kind'];

/** What a finished bootstrap knows: enough to open the kiosk window, online or from the last good record. */
export interface ResolvedIdentity {
  seedPath: string;
  device: DeviceRecord;
  siteDomain: SiteDomain | null;
  /** Origins the kiosk may show: the launcher origin plus the site domain's allowed origins. */
  allowedOrigins: string[];
  targetUrl: string;
  /** The base URL that answered (or last answered, when offline). */
  api: string;
}

export type WaitingFor = NonNullable<Extract<BootstrapState, { kind: 'seeking-seed' }>['waitingFor']>;

/** What one bootstrap attempt reports as it goes (the async driver in bootstrap.ts feeds these in). */
export type BootstrapEvent =
  /** An attempt starts by looking for the seed: announced even from seeking-seed (a new attempt is news). */
  | { type: 'attempt' }
  /** Zero-touch reports what it waits for; the same report again is no change. */
  | { type: 'seeking'; waitingFor: WaitingFor; failure?: SeedProblem }
  | { type: 'authenticating'; api: string | null }
  | { type: 'identifying'; api: string }
  | { type: 'hydrating'; api: string }
  | { type: 'resolved'; identity: ResolvedIdentity }
  /** The API cannot be used now, but a last good record can: `at` is now (ISO). */
  | { type: 'api-unusable'; identity: ResolvedIdentity; failure: BootstrapFailure; at: string }
  /** The attempt failed; `retryInMs` null for a one-shot run (doctor) that will not retry. */
  | { type: 'failed'; failure: BootstrapFailure; at: number; retryInMs: number | null };

export type BootstrapEffect = { type: 'log'; level: 'info' | 'warn'; message: string; fields: Record<string, unknown> };

export type BootstrapTransition = Transition<BootstrapState, BootstrapEffect>;

/**
 * The pure transition. An offline-ready kiosk keeps retrying in the background without flickering
 * the splash through seeking/authenticating/…: those steps, and failures while offline, leave it
 * offline-ready until an attempt resolves. Repeating the current state is no change.
 */
export function bootstrapStep(state: BootstrapState, event: BootstrapEvent): BootstrapTransition {
  const offline = state.kind === 'offline-ready';
  switch (event.type) {
    case 'attempt':
      return offline ? stay(state) : to({ kind: 'seeking-seed' });
    case 'seeking': {
      if (offline) return stay(state);
      const reason = event.failure ? describeBootstrapFailure(event.failure) : undefined;
      const same =
        state.kind === 'seeking-seed' &&
        state.waitingFor?.folder === event.waitingFor.folder &&
        state.waitingFor.file === event.waitingFor.file &&
        state.problem === reason;
      if (same) return stay(state);
      return to({
        kind: 'seeking-seed',
        waitingFor: event.waitingFor,
        ...(event.failure ? { failure: event.failure, problem: reason } : {}),
      });
    }
    case 'authenticating':
      if (offline || (state.kind === event.type && state.api === event.api)) return stay(state);
      return to({ kind: event.type, api: event.api });
    case 'identifying':
    case 'hydrating':
      if (offline || (state.kind === event.type && state.api === event.api)) return stay(state);
      return to({ kind: event.type, api: event.api });
    case 'resolved':
      return to({ kind: 'ready', api: event.identity.api, identity: event.identity });
    case 'api-unusable': {
      const reason = describeBootstrapFailure(event.failure);
      if (offline) return to(state, stillOffline(event.failure));
      return to(
        { kind: 'offline-ready', identity: event.identity, failure: event.failure, reason, since: event.at },
        {
          type: 'log',
          level: 'warn',
          message: 'bootstrap: no usable API; starting offline on the last good record',
          fields: { failure: event.failure.code, reason },
        },
      );
    }
    case 'failed': {
      if (offline) return to(state, stillOffline(event.failure));
      const reason = describeBootstrapFailure(event.failure);
      const retryAt = event.retryInMs === null ? null : new Date(event.at + event.retryInMs).toISOString();
      const log: BootstrapEffect =
        event.retryInMs === null
          ? { type: 'log', level: 'warn', message: 'bootstrap failed', fields: { failure: event.failure.code, reason } }
          : {
              type: 'log',
              level: 'warn',
              message: 'bootstrap failed; retrying',
              fields: { failure: event.failure.code, reason, retryInMs: event.retryInMs },
            };
      return to({ kind: 'failed', failure: event.failure, reason, retryAt }, log);
    }
    default:
      return assertNever(event, 'bootstrap event');
  }
}

function stillOffline(failure: BootstrapFailure): BootstrapEffect {
  return {
    type: 'log',
    level: 'warn',
    message: 'bootstrap: still offline',
    fields: { failure: failure.code, reason: describeBootstrapFailure(failure) },
  };
}
