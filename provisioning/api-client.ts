import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  ApiBadResponseError,
  ApiNotFoundError,
  ApiUnauthorizedError,
  ApiUnreachableError,
  type AttemptFailure,
  apiErrorText,
  summariseIssues,
} from './api-errors';
import {
  AuthResponse,
  DeviceRecord,
  EventFileList,
  Health,
  SiteDomainList,
  type EventFile,
  type SiteDomain,
} from '../contracts/api';
import { type RawOutcome, type RawRequest, type Transport, createTransport, formatSeconds } from './api-transport';
import { matchingSiteDomain } from './site-domain-match';
import { type Seed, seedBaseUrls } from '../contracts/seed';

/**
 * The Aether V3 REST contract (CONTRACTS.md), the one place the app speaks it. Base URLs fail over
 * primary → backup → onsite on no answer or 5xx; 401/404 are answers. The URL that answered last is
 * tried first next time. A 401 on a CRUD call renews the JWT once and retries.
 */
export interface ApiClientOptions {
  seed: Seed;
  /** The seed file as people see it (home as `~`), for "add aether_api_key to ..." messages. */
  shownSeedPath: string;
  logger: Logger;
  connectTimeoutMs?: number;
  /** One request to one base URL. */
  attemptTimeoutMs?: number;
  /** One call across every base URL. */
  totalTimeoutMs?: number;
  /** The base URL that answered in an earlier run (from the last good record): tried first. */
  preferBaseUrl?: string | null;
  /** Told about every new JWT, so it can be kept in the secret store. */
  onToken?: (auth: AuthResponse) => void | Promise<void>;
  now?: () => number;
}

export const API_TIMEOUT_DEFAULTS: Readonly<
  Record<'connectTimeoutMs' | 'attemptTimeoutMs' | 'totalTimeoutMs', number>
> = { connectTimeoutMs: 1_500, attemptTimeoutMs: 2_500, totalTimeoutMs: 6_000 };

export interface ApiClient {
  /** Identity exchange: `POST /v3/auth/device` with the seed's key. Keeps and returns the JWT. */
  authenticate(): Promise<AuthResponse>;
  getDevice(eventDeviceId: string): Promise<DeviceRecord>;
  /**
   * The site domain whose app_base_url is this one, or null when the API lists none. A list with
   * items but none for this app_base_url is refused (ApiBadResponseError, site-domain-mismatch):
   * another site's origins must never become this kiosk's.
   */
  getSiteDomain(appBaseUrl: string): Promise<SiteDomain | null>;
  listEventFiles(eventId: string): Promise<EventFile[]>;
  /** `GET /v3/health` on one base URL, no failover: for doctor. */
  health(baseUrl: string): Promise<{ ms: number }>;
  /** Base URLs in the order the next call tries them. */
  baseUrls(): string[];
  lastAnswered(): string | null;
  hasApiKey(): boolean;
  token(): AuthResponse | null;
  /** Installs a JWT kept from an earlier run (or forgets it with null). */
  useToken(auth: AuthResponse | null): void;
  close(): Promise<void>;
}

interface CallSpec {
  method: 'GET' | 'POST';
  path: string;
  body?: Record<string, unknown>;
  credentials: 'bearer' | 'api-key' | 'none';
}

type Answer = { status: number; text: string; base: string };

export function createApiClient(options: ApiClientOptions, transport?: Transport): ApiClient {
  const { seed, logger, shownSeedPath } = options;
  const timeouts = { ...API_TIMEOUT_DEFAULTS, ...definedOnly(options) };
  const http = transport ?? createTransport(timeouts);
  const now = options.now ?? Date.now;
  const configured = seedBaseUrls(seed);
  let preferred: string | null =
    options.preferBaseUrl && configured.includes(options.preferBaseUrl) ? options.preferBaseUrl : null;
  let answered: string | null = null;
  let current: AuthResponse | null = null;
  // Every token this client held: an old one echoed by a server is as secret as the current one.
  const tokens: string[] = [];
  const secrets = () => [seed.aether_api_key, ...tokens];
  const remember = (auth: AuthResponse | null) => {
    if (auth && !tokens.includes(auth.token)) tokens.push(auth.token);
    if (tokens.length > 8) tokens.shift();
  };

  const baseUrls = () => (preferred ? [preferred, ...configured.filter((u) => u !== preferred)] : [...configured]);

  async function send(call: CallSpec): Promise<Answer> {
    const label = `${call.method} ${call.path.replace(/\?.*$/, '')}`;
    const deadline = now() + timeouts.totalTimeoutMs;
    const failures: AttemptFailure[] = [];
    for (const base of baseUrls()) {
      const remaining = deadline - now();
      if (remaining <= 0) {
        failures.push({
          url: base,
          why: `not tried: ${formatSeconds(timeouts.totalTimeoutMs)} for the whole call ran out`,
        });
        continue;
      }
      const outcome: RawOutcome = await http.send(request(base, call), Math.min(timeouts.attemptTimeoutMs, remaining));
      if (outcome.kind === 'no-answer') failures.push({ url: base, why: outcome.why });
      else if (outcome.kind === 'refused-body')
        throw new ApiBadResponseError(label, base, [outcome.why], outcome.reason);
      else if (outcome.status >= 500)
        failures.push({ url: base, why: `HTTP ${outcome.status}: ${apiErrorText(outcome.text, secrets())}` });
      else {
        if (failures.length)
          logger.warn({ api: base, failed: failures }, `Aether API failed over to ${base} for ${label}`);
        answered = base;
        preferred = base;
        return { ...outcome, base };
      }
    }
    const error = new ApiUnreachableError(label, failures);
    logger.debug({ failed: failures }, `no Aether API answered ${label}`);
    throw error;
  }

  function request(base: string, call: CallSpec): RawRequest {
    const headers: Record<string, string> = {};
    if (call.credentials === 'api-key' && seed.aether_api_key) headers['x-api-key'] = seed.aether_api_key;
    if (call.credentials === 'bearer' && current) headers.authorization = `Bearer ${current.token}`;
    return { method: call.method, url: `${base}${call.path}`, headers, ...(call.body ? { body: call.body } : {}) };
  }

  function parse<S extends z.ZodType>(schema: S, answer: Answer, label: string): z.output<S> {
    let json: unknown;
    try {
      json = JSON.parse(answer.text);
    } catch {
      throw new ApiBadResponseError(
        label,
        answer.base,
        [`HTTP ${answer.status} with a body that is not JSON: "${apiErrorText(answer.text, secrets())}"`],
        'not-json',
      );
    }
    const result = schema.safeParse(json);
    if (!result.success)
      throw new ApiBadResponseError(label, answer.base, summariseIssues(result.error.issues), 'schema');
    return result.data;
  }

  function unexpected(answer: Answer, label: string): ApiBadResponseError {
    if (answer.status >= 300 && answer.status < 400) {
      return new ApiBadResponseError(
        label,
        answer.base,
        [`HTTP ${answer.status} redirect, not followed: the base URL must point at the API itself (a captive portal?)`],
        'redirect',
      );
    }
    return new ApiBadResponseError(
      label,
      answer.base,
      [`HTTP ${answer.status}: ${apiErrorText(answer.text, secrets())}`],
      'unexpected-status',
    );
  }

  const missingKey = () =>
    new ApiUnauthorizedError(
      `the API requires aether_api_key in seed.json at ${shownSeedPath} for device "${seed.event_device_id}"; add the device API key there`,
      'missing-key',
    );

  async function authenticate(): Promise<AuthResponse> {
    if (!seed.aether_api_key) throw missingKey();
    const label = 'POST /v3/auth/device';
    const answer = await send({
      method: 'POST',
      path: '/v3/auth/device',
      body: { event_device_id: seed.event_device_id },
      credentials: 'api-key',
    });
    if (answer.status === 401 || answer.status === 403) {
      throw new ApiUnauthorizedError(
        `the API at ${answer.base} refused the aether_api_key in seed.json at ${shownSeedPath} for device "${seed.event_device_id}" (HTTP ${answer.status}); check the key`,
        'bad-key',
      );
    }
    if (answer.status === 404)
      throw new ApiNotFoundError(
        `the API at ${answer.base} does not know device "${seed.event_device_id}" (from seed.json at ${shownSeedPath}); check event_device_id`,
      );
    if (answer.status !== 200) throw unexpected(answer, label);
    current = parse(AuthResponse, answer, label);
    remember(current);
    logger.info({ api: answer.base, expires_at: current.expires_at }, 'Aether API session token received');
    await options.onToken?.(current);
    return current;
  }

  /** A bearer call: gets a JWT first when there is a key, renews it once on 401. */
  async function crud<S extends z.ZodType>(path: string, schema: S, notFound: () => Error): Promise<z.output<S>> {
    const label = `GET ${path.replace(/\?.*$/, '')}`;
    if (!current && seed.aether_api_key) await authenticate();
    let answer = await send({ method: 'GET', path, credentials: 'bearer' });
    if (answer.status === 401 && seed.aether_api_key) {
      logger.info({ api: answer.base }, `the API refused the session token for ${label}; renewing it once`);
      await authenticate();
      answer = await send({ method: 'GET', path, credentials: 'bearer' });
      if (answer.status === 401)
        throw new ApiUnauthorizedError(
          `the API at ${answer.base} refused a fresh session token for ${label}`,
          'token-refused',
        );
    }
    if (answer.status === 401) throw missingKey();
    if (answer.status === 404) throw notFound();
    if (answer.status !== 200) throw unexpected(answer, label);
    return parse(schema, answer, label);
  }

  return {
    authenticate,
    getDevice: (id) =>
      crud(
        `/v3/crud/event_device/${encodeURIComponent(id)}`,
        DeviceRecord,
        () =>
          new ApiNotFoundError(
            `the API at ${answered ?? '?'} does not know device "${id}" (from seed.json at ${shownSeedPath}); check event_device_id`,
          ),
      ),
    getSiteDomain: async (appBaseUrl) => {
      const label = 'GET /v3/crud/site_domain';
      const list = await crud(
        `/v3/crud/site_domain?app_base_url=${encodeURIComponent(appBaseUrl)}`,
        SiteDomainList,
        () => new ApiNotFoundError(`the API at ${answered ?? '?'} has no site_domain endpoint`),
      );
      if (list.items.length === 0) return null;
      const match = matchingSiteDomain(list.items, appBaseUrl);
      if (!match) {
        throw new ApiBadResponseError(
          label,
          answered ?? '?',
          [
            `none of the ${list.items.length} site domain(s) listed has app_base_url ${appBaseUrl} (the device's); another site's origins are never allowed`,
          ],
          'site-domain-mismatch',
        );
      }
      return match;
    },
    listEventFiles: async (eventId) => {
      const list = await crud(
        `/v3/crud/event_file?event_id=${encodeURIComponent(eventId)}`,
        EventFileList,
        () => new ApiNotFoundError(`the API at ${answered ?? '?'} does not know event "${eventId}"`),
      );
      return list.items;
    },
    async health(baseUrl) {
      const label = 'GET /v3/health';
      const started = performance.now();
      const outcome = await http.send(
        { method: 'GET', url: `${baseUrl}/v3/health`, headers: {} },
        timeouts.attemptTimeoutMs,
      );
      const ms = Math.round((performance.now() - started) * 10) / 10;
      if (outcome.kind === 'no-answer') throw new ApiUnreachableError(label, [{ url: baseUrl, why: outcome.why }]);
      if (outcome.kind === 'refused-body') throw new ApiBadResponseError(label, baseUrl, [outcome.why], outcome.reason);
      if (outcome.status >= 500)
        throw new ApiUnreachableError(label, [{ url: baseUrl, why: `HTTP ${outcome.status}` }]);
      if (outcome.status !== 200) throw unexpected({ ...outcome, base: baseUrl }, label);
      parse(Health, { ...outcome, base: baseUrl }, label);
      return { ms };
    },
    baseUrls,
    lastAnswered: () => answered,
    hasApiKey: () => Boolean(seed.aether_api_key),
    token: () => current,
    useToken(auth) {
      current = auth;
      remember(auth);
    },
    close: () => http.close(),
  };
}

function definedOnly(options: ApiClientOptions): Partial<typeof API_TIMEOUT_DEFAULTS> {
  const out: Partial<Record<keyof typeof API_TIMEOUT_DEFAULTS, number>> = {};
  for (const key of ['connectTimeoutMs', 'attemptTimeoutMs', 'totalTimeoutMs'] as const) {
    const value = options[key];
    if (value !== undefined) {
      if (!(value > 0)) throw new RangeError(`${key} must be a positive number of milliseconds, got ${value}`);
      out[key] = value;
    }
  }
  return out;
}
