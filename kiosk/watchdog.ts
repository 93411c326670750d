/**
 * The self-healing shell (DESIGN §3): a state machine over what the kiosk renderer reports.
 * A crash or hang reloads with exponential backoff; past the limit the splash shows the error and a
 * slow retry continues. A load that fails for lack of network shows the splash with a countdown and
 * reloads as soon as the network returns. `step` is pure; `createWatchdog` owns the one timer.
 */

export type FailureReason =
  | { type: 'crashed'; detail: string }
  | { type: 'unresponsive' }
  | { type: 'load-failed'; code: number; description: string };

export type WatchdogState =
  | { kind: 'idle' }
  | { kind: 'loading'; url: string; failures: number }
  | { kind: 'healthy'; url: string; failures: number; since: number }
  | { kind: 'hung'; url: string; failures: number; since: number }
  | { kind: 'backing-off'; url: string; failures: number; reason: FailureReason; retryAt: number }
  | { kind: 'offline'; url: string; failures: number; reason: FailureReason; retryAt: number }
  | { kind: 'gave-up'; url: string; failures: number; reason: FailureReason; retryAt: number };

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
const NETWORK_ERRORS: ReadonlySet<number> = new Set([-7, -21, -100, -101, -102, -104, -105, -106, -109, -118, -130, -137]);
/** ERR_ABORTED: a navigation this app cancelled itself (the navigation lock), not a failure. */
const ERR_ABORTED = -3;

export interface StepResult {
  state: WatchdogState;
  effects: WatchdogEffect[];
}

export function backoffDelay(failures: number, config: WatchdogConfig): number {
  return Math.min(config.maxDelayMs, config.baseDelayMs * 2 ** Math.max(0, failures - 1));
}

export function describeFailure(reason: FailureReason): string {
  if (reason.type === 'crashed') return `The launcher page stopped (${reason.detail}).`;
  if (reason.type === 'unresponsive') return 'The launcher page stopped responding.';
  return `The launcher page could not be loaded: ${reason.description} (${reason.code}).`;
}

export function step(state: WatchdogState, event: WatchdogEvent, now: number, config: WatchdogConfig): StepResult {
  if (event.type === 'start') return load(event.url, 0);
  if (state.kind === 'idle') return stay(state);

  switch (event.type) {
    case 'loaded':
      if (state.kind !== 'loading') return stay(state);
      return { state: { kind: 'healthy', url: state.url, failures: state.failures, since: now }, effects: [{ type: 'cancel-timer' }, { type: 'show-kiosk' }] };

    case 'load-failed': {
      if (event.code === ERR_ABORTED || (state.kind !== 'loading' && state.kind !== 'healthy')) return stay(state);
      const reason: FailureReason = { type: 'load-failed', code: event.code, description: event.description };
      if (NETWORK_ERRORS.has(event.code)) return offline(state.url, state.failures, reason, now, config);
      return fail(state, reason, now, config);
    }

    case 'render-process-gone':
      if (state.kind === 'backing-off' || state.kind === 'offline' || state.kind === 'gave-up') return stay(state);
      return fail(state, { type: 'crashed', detail: event.reason }, now, config);

    case 'unresponsive':
      if (state.kind !== 'healthy' && state.kind !== 'loading') return stay(state);
      return {
        state: { kind: 'hung', url: state.url, failures: state.failures, since: state.kind === 'healthy' ? state.since : now },
        effects: [{ type: 'schedule', delayMs: config.hangGraceMs }],
      };

    case 'responsive':
      if (state.kind !== 'hung') return stay(state);
      return { state: { kind: 'healthy', url: state.url, failures: state.failures, since: state.since }, effects: [{ type: 'cancel-timer' }] };

    case 'network':
      if (event.online && (state.kind === 'offline' || state.kind === 'gave-up')) return load(state.url, state.failures);
      return stay(state);

    case 'timer':
      if (state.kind === 'hung') return fail(state, { type: 'unresponsive' }, now, config);
      if (state.kind === 'backing-off' || state.kind === 'offline' || state.kind === 'gave-up') return load(state.url, state.failures);
      return stay(state);

    case 'retry-now':
      return load(state.url, state.kind === 'gave-up' ? 0 : state.failures);
  }
}

function stay(state: WatchdogState): StepResult {
  return { state, effects: [] };
}

function load(url: string, failures: number): StepResult {
  return { state: { kind: 'loading', url, failures }, effects: [{ type: 'cancel-timer' }, { type: 'load', url }] };
}

function offline(url: string, failures: number, reason: FailureReason, now: number, config: WatchdogConfig): StepResult {
  const retryAt = now + config.offlineRetryMs;
  return {
    state: { kind: 'offline', url, failures, reason, retryAt },
    effects: [
      { type: 'show-splash', message: 'No network: the launcher will reload as soon as it is back.', retryAt },
      { type: 'schedule', delayMs: config.offlineRetryMs },
    ],
  };
}

function fail(state: Exclude<WatchdogState, { kind: 'idle' }>, reason: FailureReason, now: number, config: WatchdogConfig): StepResult {
  const forgiven = (state.kind === 'healthy' || state.kind === 'hung') && now - state.since >= config.stableMs;
  const failures = (forgiven ? 0 : state.failures) + 1;
  const kill: WatchdogEffect[] = reason.type === 'unresponsive' ? [{ type: 'kill-renderer' }] : [];
  if (failures > config.maxAttempts) {
    const retryAt = now + config.gaveUpRetryMs;
    return {
      state: { kind: 'gave-up', url: state.url, failures, reason, retryAt },
      effects: [...kill, { type: 'show-splash', message: describeFailure(reason), retryAt }, { type: 'schedule', delayMs: config.gaveUpRetryMs }],
    };
  }
  const delayMs = backoffDelay(failures, config);
  return {
    state: { kind: 'backing-off', url: state.url, failures, reason, retryAt: now + delayMs },
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
  let current: WatchdogState = { kind: 'idle' };
  let timer: unknown = null;
  let stopped = false;

  const cancel = () => {
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
  };

  const dispatch = (event: WatchdogEvent): void => {
    if (stopped) return;
    const previous = current;
    const { state, effects } = step(current, event, clock.now(), config);
    current = state;
    if (state !== previous) onState?.(state, previous);
    for (const effect of effects) {
      if (effect.type === 'cancel-timer') cancel();
      else if (effect.type === 'schedule') {
        cancel();
        timer = clock.setTimeout(() => {
          timer = null;
          dispatch({ type: 'timer' });
        }, effect.delayMs);
      } else perform(effect);
    }
  };

  return {
    dispatch,
    state: () => current,
    stop() {
      stopped = true;
      cancel();
    },
  };
}
