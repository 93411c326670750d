import { describe, expect, it } from 'vitest';
import {
  createWatchdog,
  DEFAULT_WATCHDOG_CONFIG,
  describeFailure,
  reloadDelay,
  step,
  type WatchdogConfig,
  type WatchdogEffect,
} from '../kiosk/watchdog';

const URL_ = 'https://summit.example-events.com/events/ev/launcher/loc';
const CONFIG: WatchdogConfig = {
  ...DEFAULT_WATCHDOG_CONFIG,
  baseDelayMs: 1_000,
  maxDelayMs: 8_000,
  maxAttempts: 4,
  stableMs: 60_000,
  hangGraceMs: 5_000,
};

/** A clock the test advances by hand: timers fire only when the test says so. */
function manualClock() {
  let now = 0;
  let pending: { at: number; callback: () => void; id: number } | null = null;
  let ids = 0;
  const scheduled: number[] = [];
  return {
    clock: {
      now: () => now,
      setTimeout: (callback: () => void, delayMs: number) => {
        scheduled.push(delayMs);
        pending = { at: now + delayMs, callback, id: ++ids };
        return pending.id;
      },
      clearTimeout: (id: unknown) => {
        if (pending?.id === id) pending = null;
      },
    },
    scheduled,
    pendingDelay: () => (pending ? pending.at - now : null),
    advance(ms: number) {
      now += ms;
      const due = pending;
      if (due && due.at <= now) {
        pending = null;
        due.callback();
      }
    },
    fireTimer() {
      const due = pending;
      if (!due) throw new Error('no timer pending');
      now = due.at;
      pending = null;
      due.callback();
    },
  };
}

function harness(config = CONFIG) {
  const time = manualClock();
  const performed: WatchdogEffect[] = [];
  const dog = createWatchdog({ config, clock: time.clock, perform: (e) => performed.push(e) });
  const loads = () => performed.filter((e) => e.type === 'load').length;
  return { dog, time, performed, loads };
}

describe('watchdog: crash and hang', () => {
  it('reloads a crashed renderer with exponential backoff, then shows the error on the splash', () => {
    const { dog, time, performed, loads } = harness();
    dog.dispatch({ type: 'start', url: URL_ });
    dog.dispatch({ type: 'loaded' });
    expect(dog.state().kind).toBe('healthy');

    const delays: number[] = [];
    for (let i = 0; i < CONFIG.maxAttempts; i += 1) {
      dog.dispatch({ type: 'render-process-gone', reason: 'crashed' });
      expect(dog.state()).toMatchObject({ kind: 'backing-off', failures: i + 1 });
      delays.push(time.pendingDelay() ?? -1);
      time.fireTimer();
      expect(dog.state().kind).toBe('loading');
      if (i < CONFIG.maxAttempts - 1) dog.dispatch({ type: 'loaded' });
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(loads()).toBe(1 + CONFIG.maxAttempts);
    expect(performed.some((e) => e.type === 'show-splash')).toBe(false);

    dog.dispatch({ type: 'render-process-gone', reason: 'oom' });
    expect(dog.state()).toMatchObject({
      kind: 'gave-up',
      failures: CONFIG.maxAttempts + 1,
      failure: { code: 'renderer-crashed', detail: 'oom' },
    });
    const splash = performed.filter((e) => e.type === 'show-splash');
    expect(splash).toEqual([
      {
        type: 'show-splash',
        message: 'The launcher page stopped (oom).',
        retryAt: time.clock.now() + CONFIG.gaveUpRetryMs,
      },
    ]);
    expect(time.pendingDelay()).toBe(CONFIG.gaveUpRetryMs);
  });

  it('keeps healing after giving up: the slow retry reloads, and success brings the kiosk back', () => {
    const { dog, time, performed } = harness({ ...CONFIG, maxAttempts: 1 });
    dog.dispatch({ type: 'start', url: URL_ });
    dog.dispatch({ type: 'render-process-gone', reason: 'crashed' });
    time.fireTimer();
    dog.dispatch({ type: 'render-process-gone', reason: 'crashed' });
    expect(dog.state().kind).toBe('gave-up');
    time.fireTimer();
    expect(dog.state().kind).toBe('loading');
    dog.dispatch({ type: 'loaded' });
    expect(dog.state().kind).toBe('healthy');
    expect(performed.at(-1)).toEqual({ type: 'show-kiosk' });
  });

  it('gives a hung renderer a grace period, then kills and reloads it', () => {
    const { dog, time, performed } = harness();
    dog.dispatch({ type: 'start', url: URL_ });
    dog.dispatch({ type: 'loaded' });
    dog.dispatch({ type: 'unresponsive' });
    expect(dog.state().kind).toBe('hung');
    expect(time.pendingDelay()).toBe(CONFIG.hangGraceMs);
    time.fireTimer();
    expect(dog.state()).toMatchObject({ kind: 'backing-off', failure: { code: 'renderer-unresponsive' }, failures: 1 });
    expect(performed.filter((e) => e.type === 'kill-renderer')).toHaveLength(1);
    time.fireTimer();
    expect(performed.at(-1)).toEqual({ type: 'load', url: URL_ });
  });

  it('a renderer that recovers within the grace period is left alone', () => {
    const { dog, time, performed } = harness();
    dog.dispatch({ type: 'start', url: URL_ });
    dog.dispatch({ type: 'loaded' });
    dog.dispatch({ type: 'unresponsive' });
    dog.dispatch({ type: 'responsive' });
    expect(dog.state().kind).toBe('healthy');
    expect(time.pendingDelay()).toBeNull();
    time.advance(CONFIG.hangGraceMs * 2);
    expect(performed.filter((e) => e.type === 'kill-renderer' || e.type === 'load')).toHaveLength(1);
  });

  it('repeated hangs also end on the splash', () => {
    const { dog, time } = harness();
    dog.dispatch({ type: 'start', url: URL_ });
    for (let i = 0; i <= CONFIG.maxAttempts; i += 1) {
      dog.dispatch({ type: 'loaded' });
      dog.dispatch({ type: 'unresponsive' });
      time.fireTimer();
      if (dog.state().kind === 'backing-off') time.fireTimer();
    }
    expect(dog.state()).toMatchObject({ kind: 'gave-up', failure: { code: 'renderer-unresponsive' } });
  });

  it('forgives earlier failures after the page stayed healthy long enough', () => {
    const { dog, time } = harness();
    dog.dispatch({ type: 'start', url: URL_ });
    for (let i = 0; i < 3; i += 1) {
      dog.dispatch({ type: 'render-process-gone', reason: 'crashed' });
      time.fireTimer();
    }
    dog.dispatch({ type: 'loaded' });
    expect(dog.state()).toMatchObject({ kind: 'healthy', failures: 3 });
    time.advance(CONFIG.stableMs);
    dog.dispatch({ type: 'render-process-gone', reason: 'crashed' });
    expect(dog.state()).toMatchObject({ kind: 'backing-off', failures: 1 });
    expect(time.pendingDelay()).toBe(CONFIG.baseDelayMs);
  });
});

describe('watchdog: load failures and the network', () => {
  it('shows the splash with a countdown when offline and reloads the moment the network returns', () => {
    const { dog, time, performed, loads } = harness();
    dog.dispatch({ type: 'start', url: URL_ });
    dog.dispatch({ type: 'load-failed', code: -106, description: 'ERR_INTERNET_DISCONNECTED' });
    expect(dog.state().kind).toBe('offline');
    expect(performed.at(-1)).toMatchObject({ type: 'show-splash', retryAt: CONFIG.offlineRetryMs });
    expect(time.pendingDelay()).toBe(CONFIG.offlineRetryMs);
    dog.dispatch({ type: 'network', online: true });
    expect(dog.state().kind).toBe('loading');
    expect(loads()).toBe(2);
    expect(time.pendingDelay()).toBeNull();
    dog.dispatch({ type: 'loaded' });
    expect(performed.at(-1)).toEqual({ type: 'show-kiosk' });
  });

  it('retries offline loads on the countdown forever without counting them as page failures', () => {
    const { dog, time } = harness();
    dog.dispatch({ type: 'start', url: URL_ });
    for (let i = 0; i < CONFIG.maxAttempts * 3; i += 1) {
      dog.dispatch({ type: 'load-failed', code: -105, description: 'ERR_NAME_NOT_RESOLVED' });
      expect(dog.state()).toMatchObject({ kind: 'offline', failures: 0 });
      time.fireTimer();
    }
  });

  it('treats a broken page (not the network) like a crash: backoff, then splash', () => {
    const { dog, time } = harness({ ...CONFIG, maxAttempts: 2 });
    dog.dispatch({ type: 'start', url: URL_ });
    dog.dispatch({ type: 'load-failed', code: -202, description: 'ERR_CERT_AUTHORITY_INVALID' });
    expect(dog.state().kind).toBe('backing-off');
    time.fireTimer();
    dog.dispatch({ type: 'load-failed', code: -202, description: 'ERR_CERT_AUTHORITY_INVALID' });
    time.fireTimer();
    dog.dispatch({ type: 'load-failed', code: -202, description: 'ERR_CERT_AUTHORITY_INVALID' });
    expect(dog.state()).toMatchObject({ kind: 'gave-up', failure: { code: 'page-load-failed', netError: -202 } });
  });

  it('ignores ERR_ABORTED (a navigation the lock cancelled) and events that do not apply', () => {
    const { dog, time } = harness();
    dog.dispatch({ type: 'loaded' });
    expect(dog.state().kind).toBe('idle');
    dog.dispatch({ type: 'start', url: URL_ });
    dog.dispatch({ type: 'load-failed', code: -3, description: 'ERR_ABORTED' });
    expect(dog.state().kind).toBe('loading');
    dog.dispatch({ type: 'network', online: false });
    dog.dispatch({ type: 'responsive' });
    dog.dispatch({ type: 'timer' });
    expect(dog.state().kind).toBe('loading');
    expect(time.pendingDelay()).toBeNull();
  });

  it('lets ops retry at once from the splash', () => {
    const { dog, time } = harness({ ...CONFIG, maxAttempts: 0 });
    dog.dispatch({ type: 'start', url: URL_ });
    dog.dispatch({ type: 'render-process-gone', reason: 'crashed' });
    expect(dog.state().kind).toBe('gave-up');
    dog.dispatch({ type: 'retry-now' });
    expect(dog.state()).toMatchObject({ kind: 'loading', failures: 0 });
    expect(time.pendingDelay()).toBeNull();
  });

  it('does nothing after stop()', () => {
    const { dog, time, performed } = harness();
    dog.dispatch({ type: 'start', url: URL_ });
    dog.dispatch({ type: 'render-process-gone', reason: 'crashed' });
    dog.stop();
    expect(time.pendingDelay()).toBeNull();
    dog.dispatch({ type: 'retry-now' });
    expect(performed).toHaveLength(1);
  });
});

describe('backoff', () => {
  it('doubles up to the cap', () => {
    expect([1, 2, 3, 4, 5, 10].map((n) => reloadDelay(n, CONFIG))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it('step is pure: the same input gives the same output', () => {
    const state = { kind: 'healthy', url: URL_, failures: 2, since: 5 } as const;
    const a = step(state, { type: 'render-process-gone', reason: 'killed' }, 10, CONFIG);
    const b = step(state, { type: 'render-process-gone', reason: 'killed' }, 10, CONFIG);
    expect(a).toEqual(b);
    expect(state).toEqual({ kind: 'healthy', url: URL_, failures: 2, since: 5 });
  });
});

describe('every watchdog failure code, through the pure step', () => {
  const healthy = { kind: 'healthy', url: URL_, failures: 0, since: 0 } as const;
  const lastAttempt = { kind: 'loading', url: URL_, failures: CONFIG.maxAttempts } as const;

  it('renderer-crashed: backs off with the typed failure; past the limit the splash shows its sentence', () => {
    const { state } = step(healthy, { type: 'render-process-gone', reason: 'crashed' }, 1, CONFIG);
    expect(state).toEqual({
      kind: 'backing-off',
      url: URL_,
      failures: 1,
      failure: { code: 'renderer-crashed', detail: 'crashed' },
      retryAt: 1_001,
    });
    expect(step(lastAttempt, { type: 'render-process-gone', reason: 'oom' }, 1, CONFIG).effects).toContainEqual({
      type: 'show-splash',
      message: 'The launcher page stopped (oom).',
      retryAt: 1 + CONFIG.gaveUpRetryMs,
    });
    expect(describeFailure({ code: 'renderer-crashed', detail: 'oom' })).toBe('The launcher page stopped (oom).');
  });

  it('renderer-unresponsive: the hang grace runs out, the renderer is killed and the failure recorded', () => {
    const hung = step(healthy, { type: 'unresponsive' }, 1, CONFIG).state;
    const { state, effects } = step(hung, { type: 'timer' }, 1 + CONFIG.hangGraceMs, CONFIG);
    expect(state).toMatchObject({ kind: 'backing-off', failure: { code: 'renderer-unresponsive' } });
    expect(effects[0]).toEqual({ type: 'kill-renderer' });
    expect(describeFailure({ code: 'renderer-unresponsive' })).toBe('The launcher page stopped responding.');
  });

  it('page-load-failed: a broken page backs off, a network error goes offline; both carry the net error', () => {
    const loading = step({ kind: 'idle' }, { type: 'start', url: URL_ }, 0, CONFIG).state;
    expect(
      step(loading, { type: 'load-failed', code: -202, description: 'ERR_CERT_AUTHORITY_INVALID' }, 1, CONFIG).state,
    ).toMatchObject({
      kind: 'backing-off',
      failure: { code: 'page-load-failed', netError: -202, description: 'ERR_CERT_AUTHORITY_INVALID' },
    });
    expect(
      step(loading, { type: 'load-failed', code: -106, description: 'ERR_INTERNET_DISCONNECTED' }, 1, CONFIG).state,
    ).toMatchObject({ kind: 'offline', failure: { code: 'page-load-failed', netError: -106 } });
    expect(
      describeFailure({ code: 'page-load-failed', netError: -202, description: 'ERR_CERT_AUTHORITY_INVALID' }),
    ).toBe('The launcher page could not be loaded: ERR_CERT_AUTHORITY_INVALID (-202).');
  });
});
