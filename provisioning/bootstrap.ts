import type { Logger } from 'pino';
import { type ApiClient, type ApiClientOptions, createApiClient } from './api-client';
import { ApiError } from './api-errors';
import type { AuthResponse } from '../contracts/api';
import { DEFAULT_RETRY_POLICY, type BackoffPolicy, backoffDelay, validBackoffPolicy } from '../base/backoff';
import { type Clock, systemClock } from '../base/clock';
import { assertNever, errorText } from '../base/failure';
import { createMachine } from '../base/machine';
import { apiFailure, type BootstrapFailure, seedFailure, type SeedProblem } from './bootstrap-failure';
import {
  type BootstrapEffect,
  type BootstrapEvent,
  type BootstrapState,
  bootstrapStep,
  type ResolvedIdentity,
  type WaitingFor,
} from './bootstrap-state';
import { resolveIdentity } from './identity';
import type { SecretStore } from './secret-store';
import { type SeedDiscoveryInput, seedFinder, seedSearchOrder } from './seed-discovery';
import { SeedError, displayPath } from './seed-errors';
import type { LoadedSeed } from './seed-load';
import { isFresh, restoreSession, saveSession } from './session-store';
import type { LastGoodRecord, StateStore } from './state-store';

export type { WaitingFor };

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
  waitForSeed?: (
    report: (waitingFor: WaitingFor, problem?: SeedProblem) => void,
    signal: AbortSignal,
  ) => Promise<LoadedSeed>;
  api?: ApiTimeouts;
  /** Replaces the real client (tests of the state machine alone). */
  createClient?: (options: ApiClientOptions) => ApiClient;
  stateStore: StateStore;
  secretStore: SecretStore;
  clock?: Clock;
  logger: Logger;
  retry?: Partial<BackoffPolicy>;
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

/** How one attempt ended: an identity, a last good record to run on while the API is unusable, or a failure. */
type Outcome =
  | { kind: 'resolved'; identity: ResolvedIdentity }
  | { kind: 'api-unusable'; identity: ResolvedIdentity; failure: BootstrapFailure }
  | { kind: 'failed'; failure: BootstrapFailure };

/**
 * Bootstrap on the kernel (base/machine.ts): `bootstrapStep` decides every state, this async driver
 * does the I/O (seed, API, stores) and feeds what happened in as events, and retries with the shared
 * backoff policy.
 */
export function createBootstrap(deps: BootstrapDeps): Bootstrap {
  const { logger, stateStore, secretStore } = deps;
  const clock = deps.clock ?? systemClock;
  const policy = validBackoffPolicy({ ...DEFAULT_RETRY_POLICY, ...deps.retry });
  const renewMarginMs = deps.sessionRenewMarginMs ?? 60_000;
  const findSeed =
    'findSeed' in deps ? deps.findSeed : seedFinder(deps.discovery, { logger, defaultApiUrl: deps.defaultApiUrl });
  const searchOrder = 'findSeed' in deps ? (deps.searchOrder ?? []) : seedSearchOrder(deps.discovery);
  const makeClient = deps.createClient ?? ((options: ApiClientOptions) => createApiClient(options));
  const stopping = new AbortController();
  const machine = createMachine<BootstrapState, BootstrapEvent, BootstrapEffect>({
    initial: { kind: 'seeking-seed' },
    step: bootstrapStep,
    run: (effect) => logger[effect.level](effect.fields, effect.message),
    onListenerError: (err) => logger.error({ err }, 'a bootstrap state listener threw'),
  });
  machine.subscribe((next) =>
    logger.info({ state: next.kind, ...('api' in next ? { api: next.api } : {}) }, `bootstrap: ${next.kind}`),
  );
  const announce = machine.dispatch;

  let client: { key: string; seed: LoadedSeed; api: ApiClient } | null = null;
  let running: Promise<BootstrapState> | null = null;
  let renewing: Promise<AuthResponse> | null = null;

  async function locateSeed(): Promise<LoadedSeed | Outcome> {
    announce({ type: 'attempt' });
    let seed: LoadedSeed | null;
    try {
      seed = await findSeed();
    } catch (err) {
      if (err instanceof SeedError) return { kind: 'failed', failure: seedFailure(err) };
      throw err;
    }
    if (seed) return seed;
    if (!deps.waitForSeed)
      return {
        kind: 'failed',
        failure: { code: 'seed-missing', searched: searchOrder.map((p) => displayPath(p, deps.home)) },
      };
    const whileStopped: Outcome = { kind: 'failed', failure: { code: 'stopped' } };
    if (stopping.signal.aborted) return whileStopped;
    const waiting = deps.waitForSeed(
      (waitingFor, problem) => announce({ type: 'seeking', waitingFor, ...(problem ? { failure: problem } : {}) }),
      stopping.signal,
    );
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
        saveSession(secretStore, deviceId, auth).catch((err: unknown) =>
          logger.warn({ err }, 'the session token could not be kept in the secret store'),
        ),
    });
    client = { key, seed, api };
    return api;
  }

  async function lastGoodFor(deviceId: string): Promise<LastGoodRecord | null> {
    const record = await stateStore.load();
    if (record && record.device.event_device_id !== deviceId) {
      logger.info(
        { file: stateStore.file },
        `the last good record is for device "${record.device.event_device_id}", not "${deviceId}"; not using it`,
      );
      return null;
    }
    return record;
  }

  /** One pass through the states; an offline-ready kiosk stays quiet meanwhile (the step decides). */
  async function attempt(): Promise<Outcome> {
    const located = await locateSeed();
    if ('kind' in located) return located;
    const seed = located;
    const deviceId = seed.seed.event_device_id;
    const lastGood = await lastGoodFor(deviceId);
    const api = clientFor(seed, lastGood);
    const apiNow = () => api.lastAnswered() ?? api.baseUrls()[0] ?? '';
    try {
      announce({ type: 'authenticating', api: api.baseUrls()[0] ?? null });
      if (!isFresh(api.token(), clock.now(), renewMarginMs)) {
        const kept = await restoreSession(secretStore, deviceId, clock.now(), renewMarginMs, logger);
        if (kept) api.useToken(kept);
        else if (api.hasApiKey()) await api.authenticate();
      }
      announce({ type: 'identifying', api: apiNow() });
      const device = await api.getDevice(deviceId);
      announce({ type: 'hydrating', api: apiNow() });
      const siteDomain = await api.getSiteDomain(device.app_base_url);
      const identity = resolveIdentity({ seedPath: seed.path, device, siteDomain, api: apiNow() });
      await keep(identity);
      return { kind: 'resolved', identity };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const failure = apiFailure(err, api.lastAnswered() ?? api.baseUrls()[0] ?? null);
      // A 401 or 404 is an answer, not an outage: only an unusable API falls back to the last good record.
      const apiUnusable = failure.code === 'api-unreachable' || failure.code === 'api-bad-response';
      if (apiUnusable && lastGood)
        return { kind: 'api-unusable', identity: identityFrom(lastGood, seed.path), failure };
      return { kind: 'failed', failure };
    }
  }

  async function keep(identity: ResolvedIdentity): Promise<void> {
    try {
      await stateStore.save({
        device: identity.device,
        siteDomain: identity.siteDomain,
        targetUrl: identity.targetUrl,
        api: identity.api,
        seedPath: identity.seedPath,
        savedAt: new Date(clock.now()).toISOString(),
      });
    } catch (err) {
      logger.warn(
        { err, file: stateStore.file },
        'the last good record could not be saved; the next start without network will not have it',
      );
    }
  }

  async function guardedAttempt(): Promise<Outcome> {
    try {
      return await attempt();
    } catch (err) {
      logger.error({ err }, 'bootstrap attempt failed unexpectedly');
      return { kind: 'failed', failure: { code: 'unexpected', detail: errorText(err) } };
    }
  }

  /** Feeds an attempt's outcome to the machine; `retryInMs` null for a one-shot run. */
  function settle(outcome: Outcome, retryInMs: number | null): void {
    switch (outcome.kind) {
      case 'resolved':
        return announce({ type: 'resolved', identity: outcome.identity });
      case 'api-unusable':
        return announce({
          type: 'api-unusable',
          identity: outcome.identity,
          failure: outcome.failure,
          at: new Date(clock.now()).toISOString(),
        });
      case 'failed':
        return announce({ type: 'failed', failure: outcome.failure, at: clock.now(), retryInMs });
      default:
        return assertNever(outcome, 'bootstrap outcome');
    }
  }

  async function loop(resolveFirst: (state: BootstrapState) => void): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      const outcome = await guardedAttempt();
      if (stopping.signal.aborted) break;
      const delay = backoffDelay(policy, failures, deps.random);
      settle(outcome, delay);
      if (outcome.kind === 'resolved') {
        resolveFirst(machine.state());
        return;
      }
      failures += 1;
      if (machine.state().kind === 'offline-ready') resolveFirst(machine.state());
      await clock.sleep(delay, stopping.signal);
    }
    resolveFirst(machine.state());
  }

  async function currentClient(): Promise<ApiClient> {
    if (!client) throw new BootstrapNotReadyError('no seed has been loaded yet, so there is no API client or session');
    return client.api;
  }

  return {
    state: machine.state,
    subscribe: (listener) => machine.subscribe((state) => listener(state)),
    run() {
      running ??= new Promise<BootstrapState>((resolve) => {
        void loop(resolve);
      });
      return running;
    },
    async runOnce() {
      settle(await guardedAttempt(), null);
      return machine.state();
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
