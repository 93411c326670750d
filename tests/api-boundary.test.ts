import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../apps/cli/main';
import { createDeviceService } from '../core/device-service';
import { createIdentityStream } from '../core/identity';
import { createLogger, type Logger } from '../base/logger';
import { maskSecrets, secretForms } from '../base/secret-mask';
import type { Seed } from '../contracts/seed';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { API_BODY_MAX_BYTES, readCappedBody } from '../provisioning/api-body';
import { createApiClient } from '../provisioning/api-client';
import { ApiBadResponseError, ApiUnreachableError } from '../provisioning/api-errors';
import { createBootstrap } from '../provisioning/bootstrap';
import { MemorySecretStore } from '../provisioning/secret-store';
import { captureIo } from './cli-io-helpers';
import { capturedLogger } from './provisioning-helpers';
import { useCleanups } from './support/cleanups';
import { echoes, type HostileApi, startHostileApi } from './support/hostile-api';

const cleanups = useCleanups();

const API_KEY = 'ak_live_Zq8+vR/2kP9=wX7';
// Not a JWT: only exact masking of the token itself can catch it.
const TOKEN = 'opaque-session-5c1e9a77d3b04f2e';
const APP = 'https://summit.example-events.com';

async function hostile(
  mode: Parameters<typeof startHostileApi>[1],
  extra: Partial<Parameters<typeof startHostileApi>[0]> = {},
): Promise<HostileApi> {
  const api = await startHostileApi({ apiKey: API_KEY, token: TOKEN, appBaseUrl: APP, ...extra }, mode);
  cleanups.push(() => api.close());
  return api;
}

const seedFor = (api: HostileApi): Seed => ({
  event_device_id: 'dev1',
  primary_api_base_url: api.url,
  backup_api_base_url: null,
  onsite_api_base_url: null,
  aether_api_key: API_KEY,
});

/** Every shape a secret could take in text a person or a peer reads (what the server echoed and more). */
/** A bootstrap against the hostile API with nothing stored, stopped after the test. */
function bootstrapAgainst(api: HostileApi, logger: Logger) {
  const bootstrap = createBootstrap({
    findSeed: async () => ({ path: '/seed.json', seed: seedFor(api), warnings: [] }),
    stateStore: { file: 'none', load: async () => null, save: async () => undefined },
    secretStore: new MemorySecretStore(),
    logger,
  });
  cleanups.push(() => bootstrap.stop());
  return bootstrap;
}

/** An API client of the hostile API, closed after the test. */
function clientOf(api: HostileApi, timeouts: { attemptTimeoutMs?: number; totalTimeoutMs?: number } = {}) {
  const client = createApiClient({
    seed: seedFor(api),
    shownSeedPath: '~/seed.json',
    logger: capturedLogger().logger,
    ...timeouts,
  });
  cleanups.push(() => client.close());
  return client;
}

function leaks(text: string): string[] {
  const found: string[] = [];
  for (const secret of [API_KEY, TOKEN]) {
    for (const form of secretForms(secret)) if (text.toLowerCase().includes(form.toLowerCase())) found.push(form);
    // Any 8-character piece of the secret, so a truncated echo counts too.
    for (let i = 0; i + 8 <= secret.length; i += 1)
      if (text.includes(secret.slice(i, i + 8))) found.push(secret.slice(i, i + 8));
  }
  return found;
}

describe('secret masking in every shape', () => {
  it('masks a key raw, URL-encoded, base64 (at any alignment), base64url, hex, upper-cased and JSON-escaped', () => {
    const text = `${echoes(API_KEY)} json ${JSON.stringify({ k: API_KEY })}`;
    const masked = maskSecrets(text, [API_KEY]);
    expect(leaks(masked)).toEqual([]);
    expect(masked).toContain('[Redacted]');
    // Cut short by the server, from either end.
    expect(maskSecrets(`key ${API_KEY.slice(0, 12)}... is invalid; ...${API_KEY.slice(-9)}`, [API_KEY])).toBe(
      'key [Redacted]... is invalid; ...[Redacted]',
    );
    // Text without the secret is left alone.
    expect(maskSecrets('device dev1 not found', [API_KEY])).toBe('device dev1 not found');
  });

  it('masks every shape in log lines of the app logger', () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      secrets: () => [API_KEY],
      destination: { write: (line: string) => void lines.push(line) },
    });
    logger.warn({ body: echoes(API_KEY) }, `echoed ${encodeURIComponent(API_KEY)}`);
    expect(lines).toHaveLength(1);
    expect(leaks(lines.join(''))).toEqual([]);
  });
});

describe('a misbehaving API echoing secrets', () => {
  it('an API key echoed in a 400 body reaches no error, log line, bootstrap state or device.status()', async () => {
    const api = await hostile('echo-key-400');
    const log = capturedLogger();
    const bootstrap = bootstrapAgainst(api, log.logger);
    const state = await bootstrap.runOnce();
    expect(state.kind).toBe('failed');
    const identity = createIdentityStream(bootstrap, () => ({ seedMissing: false, searched: [] }));
    cleanups.push(async () => identity.close());
    const device = createDeviceService({
      bootstrap,
      identity,
      session: async () => null,
      paths: { cache: '/c', temp: '/t', logs: '/l' },
      appVersion: '1.0.0',
      secretStorage: { encrypted: true, backend: 'test', note: '' },
    });
    const status = JSON.stringify(device.status());
    // The reason is bounded and still says what happened.
    expect(status).toMatch(/HTTP 400: bad request: raw \[Redacted\]/);
    expect(leaks(status)).toEqual([]);
    expect(leaks(log.text())).toEqual([]);
  });

  it('device.status() bounds any reason to one printable line of at most 500 characters', () => {
    const reason = `HTTP 500: ${'\u202e\u001b[2J spoof\n'.repeat(400)}`;
    const failed = {
      kind: 'failed' as const,
      failure: { code: 'api-bad-response' as const, api: null, detail: reason },
      reason,
      retryAt: null,
    };
    const bootstrap = { state: () => failed, subscribe: () => () => undefined };
    const identity = {
      current: () => ({ kind: 'none' as const, why: { code: 'failed' as const, reason, retryAt: null } }),
      subscribe: () => () => undefined,
      close: () => undefined,
    };
    const device = createDeviceService({
      bootstrap,
      identity,
      session: async () => null,
      paths: { cache: '/c', temp: '/t', logs: '/l' },
      appVersion: '1.0.0',
      secretStorage: { encrypted: true, backend: 'test', note: '' },
    });
    const state = device.status().state;
    if (state.kind !== 'failed') throw new Error('expected failed');
    expect(state.reason.length).toBeLessThanOrEqual(500);
    expect(state.reason).toMatch(/^HTTP 500: \[2J spoof \[2J spoof/);
    expect(state.reason).not.toMatch(/[\u0000-\u001f\u202e]/);
  });

  it('a non-JWT token echoed in a 500 body reaches no error or log line, and the failover list is masked', async () => {
    const api = await hostile('echo-token-500');
    const log = capturedLogger();
    const client = createApiClient({ seed: seedFor(api), shownSeedPath: '~/seed.json', logger: log.logger });
    cleanups.push(() => client.close());
    const err = (await client.getDevice('dev1').catch((e: unknown) => e)) as ApiUnreachableError;
    expect(err).toBeInstanceOf(ApiUnreachableError);
    expect(err.attempts[0]?.why).toMatch(/^HTTP 500: upstream refused Authorization: Bearer \[Redacted\]/);
    log.logger.error({ err, attempts: err.attempts }, err.message);
    expect(leaks(`${err.message}${JSON.stringify(err.attempts)}${log.text()}`)).toEqual([]);
  });

  it('doctor, prefetch, cache status --json and cache gc print no form of the key, even with debug logs on', async () => {
    const api = await hostile('echo-key-400');
    const home = await cleanups.tempDir('api-boundary-cli');
    const seedPath = path.join(home, 'seed.json');
    await writeFile(seedPath, JSON.stringify(seedFor(api)));
    await mkdir(path.join(home, 'cache'));
    const outputs: string[] = [];
    for (const args of [
      ['doctor', '--seed', seedPath],
      ['doctor', '--seed', seedPath, '--json'],
      ['prefetch', '--seed', seedPath, '--cache-dir', path.join(home, 'cache')],
      ['cache', 'status', '--json', '--seed', seedPath, '--cache-dir', path.join(home, 'cache')],
      ['cache', 'gc', '--dry-run', '--seed', seedPath, '--cache-dir', path.join(home, 'cache')],
    ]) {
      const io = captureIo({ HOME: home, AETHER_LOG_LEVEL: 'debug' });
      await main(args, io);
      outputs.push(`${io.out()}${io.err()}`);
    }
    // Each command did report the refusal (so the test would see a leak if there were one).
    for (const output of outputs) expect(output).toMatch(/400/);
    expect(leaks(outputs.join('\n'))).toEqual([]);
  });

  it('a key written as a number in seed.json is refused with a clear error that does not repeat it', async () => {
    const home = await cleanups.tempDir('api-boundary-number');
    const seedPath = path.join(home, 'seed.json');
    await writeFile(seedPath, '{"event_device_id": "dev1", "aether_api_key": 918273645546372819}');
    const io = captureIo({ HOME: home });
    expect(await main(['doctor', '--seed', seedPath], io)).toBe(1);
    expect(io.err()).toMatch(
      /aether_api_key must be a string, found a number \(its value is not shown\)\. Write the key as a string in quotes/,
    );
    expect(`${io.out()}${io.err()}`).not.toMatch(/9182|1827|5546|918273645546372800/);
  });
});

describe('site domain of the device, never another site', () => {
  const other = {
    site_domain_id: 'sd-other',
    app_base_url: 'https://other-site.example.net',
    site_domain: 'other-site.example.net',
    allowed_origins: ['https://other-site.example.net'],
  };
  const mine = {
    site_domain_id: 'sd-mine',
    app_base_url: `${APP}/`,
    site_domain: 'summit.example-events.com',
    allowed_origins: [APP, 'https://cdn.example-events.com'],
  };

  it("picks the item whose app_base_url is the device's, even when another site is listed first", async () => {
    const api = await hostile('ok', { siteDomains: [other, mine] });
    const bootstrap = bootstrapAgainst(api, capturedLogger().logger);
    const state = await bootstrap.runOnce();
    if (state.kind !== 'ready') throw new Error(`expected ready, got ${JSON.stringify(state)}`);
    expect(state.identity.siteDomain?.site_domain_id).toBe('sd-mine');
    expect(state.identity.allowedOrigins).toEqual([APP, 'https://cdn.example-events.com']);
    expect(state.identity.allowedOrigins).not.toContain('https://other-site.example.net');
  });

  it('a list with only other sites is a typed failure with a clear message, and allows no origin of theirs', async () => {
    const api = await hostile('ok', { siteDomains: [other] });
    const client = clientOf(api);
    const err = (await client.getSiteDomain(APP).catch((e: unknown) => e)) as ApiBadResponseError;
    expect(err).toBeInstanceOf(ApiBadResponseError);
    expect(err.reason).toBe('site-domain-mismatch');
    expect(err.message).toMatch(
      /none of the 1 site domain\(s\) listed has app_base_url https:\/\/summit\.example-events\.com \(the device's\)/,
    );
    const bootstrap = bootstrapAgainst(api, capturedLogger().logger);
    const state = await bootstrap.runOnce();
    expect(state.kind).toBe('failed');
    expect(JSON.stringify(state)).not.toContain('other-site.example.net');
  });
});

describe('bounded API bodies', () => {
  it('a gzip bomb on the event-file list is refused as too large without decompressing it (RSS measured)', async () => {
    const api = await hostile('gzip-bomb', { bombBytes: 256 * 1024 * 1024 });
    const client = clientOf(api, { attemptTimeoutMs: 20_000, totalTimeoutMs: 30_000 });
    await client.authenticate();
    global.gc?.();
    const before = process.memoryUsage().rss;
    const err = (await client.listEventFiles('ev1').catch((e: unknown) => e)) as ApiBadResponseError;
    const after = process.memoryUsage().rss;
    expect(err).toBeInstanceOf(ApiBadResponseError);
    expect(err.reason).toBe('too-large');
    expect(err.message).toMatch(/decompresses to more than 16 MiB; it is refused/);
    const grownMiB = (after - before) / 1024 / 1024;
    console.info(
      `gzip bomb: ${(api.bombWireBytes() / 1024).toFixed(0)} KiB on the wire, 256 MiB decoded; RSS grew ${grownMiB.toFixed(1)} MiB`,
    );
    // The cap is 16 MiB of decoded text; hundreds of MiB would mean the bomb was inflated.
    expect(grownMiB).toBeLessThan(100);
  });

  it('an endless body without Content-Length is cut at the cap, and a declared huge one is refused unread', async () => {
    const api = await hostile('endless');
    const client = clientOf(api, { attemptTimeoutMs: 20_000, totalTimeoutMs: 30_000 });
    const err = (await client.listEventFiles('ev1').catch((e: unknown) => e)) as ApiBadResponseError;
    expect(err).toBeInstanceOf(ApiBadResponseError);
    expect(err.reason).toBe('too-large');
    expect(err.message).toMatch(new RegExp(`is more than ${API_BODY_MAX_BYTES / 1024 / 1024} MiB`));

    api.mode = 'declared-huge';
    const declared = (await client.listEventFiles('ev1').catch((e: unknown) => e)) as ApiBadResponseError;
    expect(declared.reason).toBe('too-large');
    expect(declared.message).toMatch(/declares more than 16 MiB; it is refused/);
  });

  it('decodes gzip, deflate, br and stacked encodings; refuses corrupt and unknown ones as bad-encoding', async () => {
    const text = '{"items":[]}';
    await expect(readCappedBody(Readable.from([zlib.gzipSync(text)]), 'gzip', undefined, 1024)).resolves.toBe(text);
    await expect(readCappedBody(Readable.from([zlib.deflateSync(text)]), 'deflate', undefined, 1024)).resolves.toBe(
      text,
    );
    await expect(readCappedBody(Readable.from([zlib.brotliCompressSync(text)]), 'br', undefined, 1024)).resolves.toBe(
      text,
    );
    await expect(
      readCappedBody(Readable.from([zlib.gzipSync(zlib.deflateSync(text))]), 'deflate, gzip', undefined, 1024),
    ).resolves.toBe(text);
    await expect(
      readCappedBody(Readable.from([Buffer.from('not gzip at all')]), 'gzip', undefined, 1024),
    ).rejects.toMatchObject({ reason: 'bad-encoding' });
    await expect(readCappedBody(Readable.from([Buffer.from(text)]), 'zstd-ish', undefined, 1024)).rejects.toMatchObject(
      { reason: 'bad-encoding' },
    );
  });
});
