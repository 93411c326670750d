import type { Logger } from 'pino';
import { type ApiClient, type ApiClientOptions, createApiClient } from './api-client';
import { ApiError } from './api-errors';
import type { AuthResponse } from '../contracts/api';
import type { BootstrapState, ResolvedIdentity } from './bootstrap-state';
import { type Clock, systemClock } from '../base/clock';
import { resolveIdentity } from './identity';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelay, validRetryPolicy } from './retry-policy';
import type { SecretStore } from './secret-store';
import { type SeedDiscoveryInput, seedFinder, seedSearchOrder } from './seed-discovery';
import { SeedError, displayPath } from './seed-errors';
import type { LoadedSeed } from './seed-load';
import { isFresh, restoreSession, saveSession } from './session-store';
import type { LastGoodRecord, StateStore } from './state-store';

export type WaitingFor = NonNullable<Extract<BootstrapState, { kind: 'seeking-seed' }>['waitingFor']>;

/** Where seeds come from: discovery inputs (DESIGN §4 step 2), or a ready-made finder. */
export type SeedSourceDeps =
  | { findSeed: () => Promise<LoadedSeed | null>; searchOrder?: string[] }
  | { discovery: SeedDiscoveryInput; defaultApiUrl: string };

export type ApiTimeouts = Pick<ApiClientOptions, 'connectTimeoutMs' | 'attemptTimeoutMs' | 'totalTimeoutMs'>;

export type BootstrapDeps = SeedSourceDeps & {
  /**
   * Zero-touch provisioning: called when no seed exists; reports what it waits for (and what is wrong
   * with a seed it found there). `signal` aborts at stop().
   */
  waitForSeed?: (report: (waitingFor: WaitingFor, problem?: string) => void, signal: AbortSignal) => Promise<LoadedSeed>;
  api?: ApiTimeouts;
  /** Replaces the real client (tests of the state machine alone). */
  createClient?: (options: ApiClientOptions) => ApiClient;
  stateStore: StateStore;
  secretStore: SecretStore;
  clock?: Clock;
  logger: Logger;
  retry?: Partial<RetryPolicy>;
  random?: () => number;
  /** Shown as `~` in messages. */
  home?: string;
  /** A JWT closer to expiry than this is renewed before it is handed out. */
  sessionRenewMarginMs?: number;
};

export interface Bootstrap {
  state(): BootstrapState;
  /** Called on every transition; returns the unsubscribe function. */
  subscribe(listener: (state: BootstrapState) => void): () => void;
  /**
   * Resolves at ready or offline-ready. Failures are published as `failed` and retried with backoff
   * until success or stop(); from offline-ready it keeps trying to go online and publishes ready.
   */
  run(): Promise<BootstrapState>;
  /** One attempt, no retries (doctor): resolves with ready, offline-ready or failed (retryAt null). */
  runOnce(): Promise<BootstrapState>;
  stop(): Promise<void>;
  /** The JWT for the page, renewed when near expiry. */
  session(): Promise<AuthResponse>;
  /** The API client of the current seed (for downloads). */
  api(): ApiClient;
}

/** Asked for the session or the client before bootstrap has a seed. */
export class BootstrapNotReadyError extends Error {
  override name = 'BootstrapNotReadyError';
}

type Outcome = Extract<BootstrapState, { kind: 'ready' | 'offline-ready' | 'failed' }>;

export function createBootstrap(deps: BootstrapDeps): Bootstrap {
  const { logger, stateStore, secretStore } = deps;
  const clock = deps.clock ?? systemClock;
  const policy = validRetryPolicy({ ...DEFAULT_RETRY_POLICY, ...deps.retry });
  const renewMarginMs = deps.sessionRenewMarginMs ?? 60_000;
  const findSeed = 'findSeed' in deps ? deps.findSeed : seedFinder(deps.discovery, { logger, defaultApiUrl: deps.defaultApiUrl });
  const searchOrder = 'findSeed' in deps ? (deps.searchOrder ?? []) : seedSearchOrder(deps.discovery);
  const makeClient = deps.createClient ?? ((options: ApiClientOptions) => createApiClient(options));
  const stopping = new AbortController();
  const listeners = new Set<(state: BootstrapState) => void>();

  let current: BootstrapState = { kind: 'seeking-seed' };
  let client: { key: string; seed: LoadedSeed; api: ApiClient } | null = null;
  let running: Promise<BootstrapState> | null = null;
  let renewing: Promise<AuthResponse> | null = null;

  function publish(next: BootstrapState): void {
    current = next;
    logger.info({ state: next.kind, ...('api' in next ? { api: next.api } : {}) }, `bootstrap: ${next.kind}`);
    for (const listener of listeners) {
      try {
        listener(next);
      } catch (err) {
        logger.error({ err }, 'a bootstrap state listener threw');
      }
    }
  }

  async function locateSeed(announce: (s: BootstrapState) => void): Promise<LoadedSeed | Outcome> {
    announce({ kind: 'seeking-seed' });
    let seed: LoadedSeed | null;
    try {
      seed = await findSeed();
    } catch (err) {
      if (err instanceof SeedError) return { kind: 'failed', reason: err.message, retryAt: null };
      throw err;
    }
    if (seed) return seed;
    if (!deps.waitForSeed) {
      const where = searchOrder.length ? ` (looked at ${searchOrder.map((p) => displayPath(p, deps.home)).join(', ')})` : '';
      return { kind: 'failed', reason: `no seed.json found${where}; put one there or pass --seed <path>`, retryAt: null };
    }
    const whileStopped: Outcome = { kind: 'failed', reason: 'stopped while waiting for a seed', retryAt: null };
    if (stopping.signal.aborted) return whileStopped;
    const waiting = deps.waitForSeed((waitingFor, problem) => announce({ kind: 'seeking-seed', waitingFor, ...(problem ? { problem } : {}) }), stopping.signal);
    const stopped = new Promise<null>((resolve) => {
      if (stopping.signal.aborted) resolve(null);
      else stopping.signal.addEventListener('abort', () => resolve(null), { once: true });
    });
    try {
      return (await Promise.race([waiting, stopped])) ?? whileStopped;
    } catch (err) {
      if (stopping.signal.aborted) return whileStopped;
      throw err;
    }
  }

  function clientFor(seed: LoadedSeed, lastGood: LastGoodRecord | null): ApiClient {
    const key = JSON.stringify([seed.path, seed.seed]);
    if (client?.key === key) return client.api;
    if (client) void client.api.close();
    const deviceId = seed.seed.event_device_id;
    const api = makeClient({
      ...deps.api,
      seed: seed.seed,
      shownSeedPath: displayPath(seed.path, deps.home),
      logger,
      preferBaseUrl: lastGood?.api ?? null,
      onToken: (auth) =>
        saveSession(secretStore, deviceId, auth).catch((err: unknown) => logger.warn({ err }, 'the session token could not be kept in the secret store')),
    });
    client = { key, seed, api };
    return api;
  }

  async function lastGoodFor(deviceId: string): Promise<LastGoodRecord | null> {
    const record = await stateStore.load();
    if (record && record.device.event_device_id !== deviceId) {
      logger.info({ file: stateStore.file }, `the last good record is for device "${record.device.event_device_id}", not "${deviceId}"; not using it`);
      return null;
    }
    return record;
  }

  /** One pass through the states. `quiet` keeps an offline-ready kiosk from flickering through them while it retries. */
  async function attempt(quiet: boolean): Promise<Outcome> {
    const announce = quiet ? () => undefined : publish;
    const located = await locateSeed(announce);
    if ('kind' in located) return located;
    const seed = located;
    const deviceId = seed.seed.event_device_id;
    const lastGood = await lastGoodFor(deviceId);
    const api = clientFor(seed, lastGood);
    const apiNow = () => api.lastAnswered() ?? api.baseUrls()[0] ?? '';
    try {
      announce({ kind: 'authenticating', api: api.baseUrls()[0] ?? null });
      if (!isFresh(api.token(), clock.now(), renewMarginMs)) {
        const kept = await restoreSession(secretStore, deviceId, clock.now(), renewMarginMs, logger);
        if (kept) api.useToken(kept);
        else if (api.hasApiKey()) await api.authenticate();
      }
      announce({ kind: 'identifying', api: apiNow() });
      const device = await api.getDevice(deviceId);
      announce({ kind: 'hydrating', api: apiNow() });
      const siteDomain = await api.getSiteDomain(device.app_base_url);
      const identity = resolveIdentity({ seedPath: seed.path, device, siteDomain, api: apiNow() });
      await keep(identity);
      return { kind: 'ready', api: identity.api, identity };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const apiUnusable = err.kind === 'unreachable' || err.kind === 'bad-response';
      if (apiUnusable && lastGood) {
        const since = current.kind === 'offline-ready' ? current.since : new Date(clock.now()).toISOString();
        return { kind: 'offline-ready', identity: identityFrom(lastGood, seed.path), reason: err.message, since };
      }
      return { kind: 'failed', reason: err.message, retryAt: null };
    }
  }

  async function keep(identity: ResolvedIdentity): Promise<void> {
    try {
      await stateStore.save({ device: identity.device, siteDomain: identity.siteDomain, targetUrl: identity.targetUrl, api: identity.api, seedPath: identity.seedPath, savedAt: new Date(clock.now()).toISOString() });
    } catch (err) {
      logger.warn({ err, file: stateStore.file }, 'the last good record could not be saved; the next start without network will not have it');
    }
  }

  async function guardedAttempt(quiet: boolean): Promise<Outcome> {
    try {
      return await attempt(quiet);
    } catch (err) {
      logger.error({ err }, 'bootstrap attempt failed unexpectedly');
      return { kind: 'failed', reason: `unexpected error: ${err instanceof Error ? err.message : String(err)}`, retryAt: null };
    }
  }

  async function loop(resolveFirst: (state: BootstrapState) => void): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      const offline = current.kind === 'offline-ready';
      const outcome = await guardedAttempt(offline);
      if (stopping.signal.aborted) break;
      if (outcome.kind === 'ready') {
        publish(outcome);
        resolveFirst(outcome);
        return;
      }
      const delay = retryDelay(policy, failures, deps.random);
      failures += 1;
      if (outcome.kind === 'offline-ready') {
        if (!offline) {
          logger.warn({ reason: outcome.reason }, 'bootstrap: no usable API; starting offline on the last good record');
          publish(outcome);
        }
        resolveFirst(current);
      } else if (offline) {
        logger.warn({ reason: outcome.reason }, 'bootstrap: still offline');
      } else {
        logger.warn({ reason: outcome.reason, retryInMs: delay }, 'bootstrap failed; retrying');
        publish({ ...outcome, retryAt: new Date(clock.now() + delay).toISOString() });
      }
      await clock.sleep(delay, stopping.signal);
    }
    resolveFirst(current);
  }

  async function currentClient(): Promise<ApiClient> {
    if (!client) throw new BootstrapNotReadyError('no seed has been loaded yet, so there is no API client or session');
    return client.api;
  }

  return {
    state: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    run() {
      running ??= new Promise<BootstrapState>((resolve) => {
        void loop(resolve);
      });
      return running;
    },
    async runOnce() {
      const outcome = await guardedAttempt(false);
      if (outcome.kind === 'failed') logger.warn({ reason: outcome.reason }, 'bootstrap failed');
      publish(outcome);
      return outcome;
    },
    async stop() {
      stopping.abort();
      await client?.api.close();
    },
    async session() {
      const api = await currentClient();
      const token = api.token();
      if (isFresh(token, clock.now(), renewMarginMs)) return token;
      renewing ??= api.authenticate().finally(() => {
        renewing = null;
      });
      return renewing;
    },
    api() {
      if (!client) throw new BootstrapNotReadyError('no seed has been loaded yet, so there is no API client');
      return client.api;
    },
  };
}

function identityFrom(record: LastGoodRecord, seedPath: string): ResolvedIdentity {
  return resolveIdentity({ seedPath, device: record.device, siteDomain: record.siteDomain, api: record.api });
}
