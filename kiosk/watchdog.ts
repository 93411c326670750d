import { backoffDelay } from '../base/backoff';
import { assertNever } from '../base/failure';
import { createMachine, stay, type Transition } from '../base/machine';

/**
 * The self-healing shell (DESIGN §3): a state machine over what the kiosk renderer reports.
 * A crash or hang reloads with exponential backoff; past the limit the splash shows the error and a
 * slow retry continues. A load that fails for lack of network shows the splash with a countdown and
 * reloads as soon as the network returns. `step` is pure; `createWatchdog` runs it on the kernel
 * (base/machine.ts) and owns the one timer.
 */

/** Why the page is not showing: typed, so the log and the splash never parse text. */
export type WatchdogFailure =
  | { code: 'renderer-crashed'; detail: string }
  | { code: 'renderer-unresponsive' }
  | { code: 'page-load-failed'; netError: number; description: string };

export type WatchdogState =
  | { kind: 'idle' }
  | { kind: 'loading'; url: string; failures: number }
  | { kind: 'healthy'; url: string; failures: number; since: number }
  | { kind: 'hung'; url: string; failures: number; since: number }
  | { kind: 'backing-off'; url: string; failures: number; failure: WatchdogFailure; retryAt: number }
  | { kind: 'offline'; url: string; failures: number; failure: WatchdogFailure; retryAt: number }
  | { kind: 'gave-up'; url: string; failures: number; failure: WatchdogFailure; retryAt: number };

export type WatchdogEvent =
  | { type: 'start'; url: string }
  | { type: 'loaded' }
  | { type: 'load-failed'; code: number; description: string }
  | { type: 'render-process-gone'; reason: string }
  | { type: 'unresponsive' }
  | { type: 'responsive' }
  | { type: 'network'; online: boolean }
  | { type: 'timer' }
  | { type: 'retry-now' };

export type WatchdogEffect =
  | { type: 'load'; url: string }
  | { type: 'kill-renderer' }
  | { type: 'show-splash'; message: string; retryAt: number }
  | { type: 'show-kiosk' }
  | { type: 'schedule'; delayMs: number }
  | { type: 'cancel-timer' };

export interface WatchdogConfig {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Consecutive failures reloaded with backoff before the splash shows the error. */
  maxAttempts: number;
  /** How long a page must stay healthy before earlier failures are forgiven. */
  stableMs: number;
  /** How long an unresponsive renderer is given before it is restarted. */
  hangGraceMs: number;
  /** Countdown shown on the splash while offline. */
  offlineRetryMs: number;
  /** Slow retry after giving up: a kiosk nobody watches must still heal on its own. */
  gaveUpRetryMs: number;
}

export const DEFAULT_WATCHDOG_CONFIG: WatchdogConfig = {
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxAttempts: 5,
  stableMs: 120_000,
  hangGraceMs: 10_000,
  offlineRetryMs: 15_000,
  gaveUpRetryMs: 300_000,
};

/** Chromium net error codes that mean "no network", not "broken page" (net/base/net_error_list.h). */
const NETWORK_ERRORS: ReadonlySet<number> = new Set([
  -7, -21, -100, -101, -102, -104, -105, -106, -109, -118, -130, -137,
]);
/** ERR_ABORTED: a navigation this app cancelled itself (the navigation lock), not a failure. */
const ERR_ABORTED = -3;

export type StepResult = Transition<WatchdogState, WatchdogEffect>;

/** The reload delay after `failures` failures in a row: the shared policy without jitter (a countdown people watch). */
export function reloadDelay(failures: number, config: WatchdogConfig): number {
  return backoffDelay(
    { initialDelayMs: config.baseDelayMs, maxDelayMs: config.maxDelayMs, factor: 2, jitter: 0 },
    failures - 1,
  );
}

/** The one place a watchdog failure becomes words (the splash, the log). */
export function describeFailure(failure: WatchdogFailure): string {
  switch (failure.code) {
    case 'renderer-crashed':
      return `The launcher page stopped (${failure.detail}).`;
    case 'renderer-unresponsive':
      return 'The launcher page stopped responding.';
    case 'page-load-failed':
      return `The launcher page could not be loaded: ${failure.description} (${failure.netError}).`;
    default:
      return assertNever(failure, 'watchdog failure');
  }
}

export function step(state: WatchdogState, event: WatchdogEvent, now: number, config: WatchdogConfig): StepResult {
  if (event.type === 'start') return load(event.url, 0);
  if (state.kind === 'idle') return stay(state);

  switch (event.type) {
    case 'loaded':
      if (state.kind !== 'loading') return stay(state);
      return {
        state: { kind: 'healthy', url: state.url, failures: state.failures, since: now },
        effects: [{ type: 'cancel-timer' }, { type: 'show-kiosk' }],
      };

    case 'load-failed': {
      if (event.code === ERR_ABORTED || (state.kind !== 'loading' && state.kind !== 'healthy')) return stay(state);
      const failure: WatchdogFailure = {
        code: 'page-load-failed',
        netError: event.code,
        description: event.description,
      };
      if (NETWORK_ERRORS.has(event.code)) return offline(state.url, state.failures, failure, now, config);
      return fail(state, failure, now, config);
    }

    case 'render-process-gone':
      if (state.kind === 'backing-off' || state.kind === 'offline' || state.kind === 'gave-up') return stay(state);
      return fail(state, { code: 'renderer-crashed', detail: event.reason }, now, config);

    case 'unresponsive':
      if (state.kind !== 'healthy' && state.kind !== 'loading') return stay(state);
      return {
        state: {
          kind: 'hung',
          url: state.url,
          failures: state.failures,
          since: state.kind === 'healthy' ? state.since : now,
        },
        effects: [{ type: 'schedule', delayMs: config.hangGraceMs }],
      };

    case 'responsive':
      if (state.kind !== 'hung') return stay(state);
      return {
        state: { kind: 'healthy', url: state.url, failures: state.failures, since: state.since },
        effects: [{ type: 'cancel-timer' }],
      };

    case 'network':
      if (event.online && (state.kind === 'offline' || state.kind === 'gave-up'))
        return load(state.url, state.failures);
      return stay(state);

    case 'timer':
      if (state.kind === 'hung') return fail(state, { code: 'renderer-unresponsive' }, now, config);
      if (state.kind === 'backing-off' || state.kind === 'offline' || state.kind === 'gave-up')
        return load(state.url, state.failures);
      return stay(state);

    case 'retry-now':
      return load(state.url, state.kind === 'gave-up' ? 0 : state.failures);

    default:
      return assertNever(event, 'watchdog event');
  }
}

function load(url: string, failures: number): StepResult {
  return { state: { kind: 'loading', url, failures }, effects: [{ type: 'cancel-timer' }, { type: 'load', url }] };
}

function offline(
  url: string,
  failures: number,
  failure: WatchdogFailure,
  now: number,
  config: WatchdogConfig,
): StepResult {
  const retryAt = now + config.offlineRetryMs;
  return {
    state: { kind: 'offline', url, failures, failure, retryAt },
    effects: [
      { type: 'show-splash', message: 'No network: the launcher will reload as soon as it is back.', retryAt },
      { type: 'schedule', delayMs: config.offlineRetryMs },
    ],
  };
}

function fail(
  state: Exclude<WatchdogState, { kind: 'idle' }>,
  failure: WatchdogFailure,
  now: number,
  config: WatchdogConfig,
): StepResult {
  const forgiven = (state.kind === 'healthy' || state.kind === 'hung') && now - state.since >= config.stableMs;
  const failures = (forgiven ? 0 : state.failures) + 1;
  const kill: WatchdogEffect[] = failure.code === 'renderer-unresponsive' ? [{ type: 'kill-renderer' }] : [];
  if (failures > config.maxAttempts) {
    const retryAt = now + config.gaveUpRetryMs;
    return {
      state: { kind: 'gave-up', url: state.url, failures, failure, retryAt },
      effects: [
        ...kill,
        { type: 'show-splash', message: describeFailure(failure), retryAt },
        { type: 'schedule', delayMs: config.gaveUpRetryMs },
      ],
    };
  }
  const delayMs = reloadDelay(failures, config);
  return {
    state: { kind: 'backing-off', url: state.url, failures, failure, retryAt: now + delayMs },
    effects: [...kill, { type: 'schedule', delayMs }],
  };
}

export interface WatchdogClock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface WatchdogDeps {
  config?: WatchdogConfig;
  clock: WatchdogClock;
  /** Carries out every effect except the timer, which the watchdog owns. */
  perform(effect: Exclude<WatchdogEffect, { type: 'schedule' } | { type: 'cancel-timer' }>): void;
  onState?(state: WatchdogState, previous: WatchdogState): void;
}

export interface Watchdog {
  dispatch(event: WatchdogEvent): void;
  state(): WatchdogState;
  stop(): void;
}

export function createWatchdog({ config = DEFAULT_WATCHDOG_CONFIG, clock, perform, onState }: WatchdogDeps): Watchdog {
  let timer: unknown = null;
  const cancel = () => {
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
  };

  const machine = createMachine<WatchdogState, WatchdogEvent, WatchdogEffect>({
    initial: { kind: 'idle' },
    step: (state, event) => step(state, event, clock.now(), config),
    run(effect, dispatch) {
      if (effect.type === 'cancel-timer') cancel();
      else if (effect.type === 'schedule') {
        cancel();
        timer = clock.setTimeout(() => {
          timer = null;
          dispatch({ type: 'timer' });
        }, effect.delayMs);
      } else perform(effect);
    },
  });
  if (onState) machine.subscribe(onState);

  return {
    dispatch: machine.dispatch,
    state: machine.state,
    stop() {
      machine.stop();
      cancel();
    },
  };
}
