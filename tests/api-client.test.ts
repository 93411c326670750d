import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../apps/simulator';
import { type ApiClientOptions, createApiClient } from '../provisioning/api-client';
import {
  ApiBadResponseError,
  ApiNotFoundError,
  ApiUnauthorizedError,
  ApiUnreachableError,
} from '../provisioning/api-errors';
import { launcherUrl, type AuthResponse } from '../contracts/api';
import type { Seed } from '../contracts/seed';
import { capturedLogger, closedPortUrl } from './provisioning-helpers';

const sims: Simulator[] = [];
async function sim(options: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  const s = await startSimulator(options);
  sims.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

let htmlServer: Server;
let htmlUrl: string;
beforeAll(async () => {
  htmlServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><body>Welcome to the hotel wifi</body></html>');
  });
  await new Promise<void>((resolve) => htmlServer.listen(0, '127.0.0.1', resolve));
  const address = htmlServer.address();
  htmlUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => htmlServer.close(() => resolve())));

function seedFor(s: Simulator, overrides: Partial<Seed> = {}): Seed {
  return { ...s.demoSeed(), ...overrides } as Seed;
}

function client(seed: Seed, extra: Partial<ApiClientOptions> = {}) {
  const log = capturedLogger();
  const c = createApiClient({
    seed,
    shownSeedPath: '~/seed.json',
    logger: log.logger,
    attemptTimeoutMs: 1_000,
    connectTimeoutMs: 500,
    totalTimeoutMs: 4_000,
    ...extra,
  });
  return { c, log };
}

describe('API client against the simulator', () => {
  it('authenticates, reads the device, its site domain and event files, and checks health', async () => {
    const s = await sim();
    const tokens: AuthResponse[] = [];
    const { c } = client(seedFor(s), { onToken: (t) => void tokens.push(t) });
    const device = await c.getDevice(s.demo.device.event_device_id);
    expect(device).toMatchObject({ event_device_id: 'dbgMWS3KEHE', event_id: s.demo.device.event_id, mode: 'native' });
    expect(tokens).toHaveLength(1);
    expect(c.token()?.token).toBe(tokens[0]?.token);
    expect(await c.getSiteDomain(device.app_base_url)).toMatchObject({
      site_domain_id: s.demo.siteDomain.site_domain_id,
    });
    expect(await c.getSiteDomain('https://unknown.example')).toBeNull();
    expect((await c.listEventFiles(device.event_id)).map((f) => f.sha256)).toEqual(s.demo.files.map((f) => f.sha256));
    expect((await c.health(s.url)).ms).toBeGreaterThanOrEqual(0);
    expect(c.lastAnswered()).toBe(s.url);
    expect(launcherUrl(device)).toBe(`${s.url}/events/ev_2026_summit/launcher/loc_ballroom_a`);
    expect(s.stats.requests('/v3/auth/device')).toBe(1);
    await c.close();
  });

  it('fails over to the backup when the primary refuses connections', async () => {
    const s = await sim();
    const dead = await closedPortUrl();
    const { c, log } = client(seedFor(s, { primary_api_base_url: dead, backup_api_base_url: s.url }));
    expect(c.baseUrls()).toEqual([dead, s.url]);
    await c.getDevice('dbgMWS3KEHE');
    expect(c.lastAnswered()).toBe(s.url);
    expect(c.baseUrls()).toEqual([s.url, dead]);
    expect(log.text()).toContain(`failed over to ${s.url}`);
    await c.close();
  });

  it('fails over to onsite when the primary is closed and the backup answers 503', async () => {
    const [backup, onsite] = [await sim(), await sim()];
    backup.faults.set({ status: 503 });
    const seed = seedFor(onsite, {
      primary_api_base_url: await closedPortUrl(),
      backup_api_base_url: backup.url,
      onsite_api_base_url: onsite.url,
    });
    const { c } = client(seed);
    await c.authenticate();
    expect(backup.stats.requests('/v3/auth/device')).toBe(1);
    expect(onsite.stats.requests('/v3/auth/device')).toBe(1);
    expect(c.lastAnswered()).toBe(onsite.url);
    await c.close();
  });

  it('tries the base URL that answered last first on the next call', async () => {
    const [primary, backup] = [await sim(), await sim()];
    primary.faults.set({ status: 503 });
    const { c } = client(seedFor(backup, { primary_api_base_url: primary.url, backup_api_base_url: backup.url }));
    await c.authenticate();
    primary.faults.clear();
    const primaryBefore = primary.stats.requests();
    await c.getDevice('dbgMWS3KEHE');
    await c.listEventFiles('ev_2026_summit');
    expect(primary.stats.requests()).toBe(primaryBefore);
    expect(backup.stats.requests('/v3/crud/')).toBe(2);
    await c.close();
  });

  it('starts with the preferred base URL from an earlier run', async () => {
    const [primary, backup] = [await sim(), await sim()];
    const { c } = client(seedFor(backup, { primary_api_base_url: primary.url, backup_api_base_url: backup.url }), {
      preferBaseUrl: backup.url,
    });
    expect(c.baseUrls()[0]).toBe(backup.url);
    await c.authenticate();
    expect(primary.stats.requests()).toBe(0);
    await c.close();
  });

  it('lists every URL tried and why when none answers', async () => {
    const busy = await sim();
    busy.faults.set({ status: 502 });
    const dead = await closedPortUrl();
    const { c } = client(seedFor(busy, { primary_api_base_url: dead, backup_api_base_url: busy.url }));
    const err = await c.getDevice('dbgMWS3KEHE').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiUnreachableError);
    const unreachable = err as ApiUnreachableError;
    expect(unreachable.attempts).toEqual([
      { url: dead, why: 'connection refused' },
      { url: busy.url, why: 'HTTP 502: injected fault: HTTP 502' },
    ]);
    expect(unreachable.message).toBe(
      `no Aether API answered POST /v3/auth/device: ${dead} (connection refused); ${busy.url} (HTTP 502: injected fault: HTTP 502)`,
    );
    await c.close();
  });

  it('gives up on a stalled base URL after the attempt timeout and one that drops the connection', async () => {
    const [slow, dropping, good] = [await sim(), await sim(), await sim()];
    slow.faults.set({ delayMs: 3_000 });
    dropping.faults.set({ dropConnection: true });
    const { c } = client(
      seedFor(good, {
        primary_api_base_url: slow.url,
        backup_api_base_url: dropping.url,
        onsite_api_base_url: good.url,
      }),
      { attemptTimeoutMs: 300 },
    );
    await c.authenticate();
    expect(c.lastAnswered()).toBe(good.url);
    slow.faults.set({ delayMs: 3_000 });
    good.faults.set({ delayMs: 3_000 });
    const err = (await c.getDevice('dbgMWS3KEHE').catch((e: unknown) => e)) as ApiUnreachableError;
    expect(err).toBeInstanceOf(ApiUnreachableError);
    expect(err.attempts.map((a) => a.url)).toEqual([good.url, slow.url, dropping.url]);
    expect(err.attempts[0]?.why).toBe('no answer within 0.3 s');
    expect(err.attempts[2]?.why).toMatch(/connection (closed|reset) without an answer/);
    await c.close();
  });

  it('stops trying further URLs when the total timeout runs out', async () => {
    const [a, b] = [await sim(), await sim()];
    a.faults.set({ delayMs: 2_000 });
    const { c } = client(seedFor(a, { backup_api_base_url: b.url }), { attemptTimeoutMs: 400, totalTimeoutMs: 300 });
    const err = (await c.authenticate().catch((e: unknown) => e)) as ApiUnreachableError;
    expect(err.attempts).toEqual([
      { url: a.url, why: 'no answer within 0.3 s' },
      { url: b.url, why: 'not tried: 0.3 s for the whole call ran out' },
    ]);
    expect(b.stats.requests()).toBe(0);
    await c.close();
  });

  it('treats 401 for a bad key as an answer: no failover, a clear message without the key', async () => {
    const [primary, backup] = [await sim(), await sim()];
    const badKey = 'wrong-key-9f8e7d6c5b';
    const { c, log } = client(seedFor(primary, { aether_api_key: badKey, backup_api_base_url: backup.url }));
    const err = (await c.getDevice('dbgMWS3KEHE').catch((e: unknown) => e)) as ApiUnauthorizedError;
    expect(err).toBeInstanceOf(ApiUnauthorizedError);
    expect(err.reason).toBe('bad-key');
    expect(err.message).toBe(
      `the API at ${primary.url} refused the aether_api_key in seed.json at ~/seed.json for device "dbgMWS3KEHE" (HTTP 401); check the key`,
    );
    expect(err.message).not.toContain(badKey);
    expect(log.text()).not.toContain(badKey);
    expect(backup.stats.requests()).toBe(0);
    await c.close();
  });

  it('reports an unknown device as not found', async () => {
    const s = await sim();
    const { c } = client(seedFor(s, { event_device_id: 'nobody' }));
    const err = await c.getDevice('nobody').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiNotFoundError);
    expect((err as Error).message).toBe(
      `the API at ${s.url} does not know device "nobody" (from seed.json at ~/seed.json); check event_device_id`,
    );
    await c.close();
  });

  it('summarises a device record that fails the schema as path: message', async () => {
    const s = await sim({
      devices: [
        {
          event_device_id: 'broken',
          event_id: 'e1',
          event_location_id: 'l1',
          app_base_url: 'summit.example.com',
          mode: 'kiosk',
        },
      ],
    });
    const { c } = client(seedFor(s, { event_device_id: 'broken' }));
    const err = (await c.getDevice('broken').catch((e: unknown) => e)) as ApiBadResponseError;
    expect(err).toBeInstanceOf(ApiBadResponseError);
    expect(err.problems).toEqual([
      'app_base_url: must be an absolute http: or https: URL',
      expect.stringMatching(/^mode: /),
    ]);
    expect(err.message).toMatch(
      new RegExp(
        `^the Aether API at ${s.url} answered GET /v3/crud/event_device/broken with an unusable response: app_base_url: must be`,
      ),
    );
    await c.close();
  });

  it('refuses garbage JSON and non-JSON answers without failing over', async () => {
    const [s, backup] = [await sim(), await sim()];
    s.faults.set({ garbage: true, match: /auth/ });
    const { c } = client(seedFor(s, { backup_api_base_url: backup.url }));
    const err = (await c.authenticate().catch((e: unknown) => e)) as ApiBadResponseError;
    expect(err).toBeInstanceOf(ApiBadResponseError);
    expect(err.problems).toEqual([
      'token: Invalid input: expected string, received number',
      'expires_at: Invalid input: expected string, received undefined',
    ]);
    expect(backup.stats.requests()).toBe(0);
    await c.close();

    const portal = client(seedFor(s, { primary_api_base_url: htmlUrl })).c;
    const htmlErr = (await portal.authenticate().catch((e: unknown) => e)) as ApiBadResponseError;
    expect(htmlErr.problems).toEqual([
      'HTTP 200 with a body that is not JSON: "<html><body>Welcome to the hotel wifi</body></html>"',
    ]);
    await portal.close();
  });

  it('never follows a redirect, so the API key cannot travel to another origin', async () => {
    const seen: Array<string | undefined> = [];
    const elsewhere = createServer((req, res) => {
      seen.push(req.headers['x-api-key'] as string | undefined);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"token": "x", "expires_at": "2099-01-01T00:00:00Z"}');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const port = (elsewhere.address() as { port: number }).port;
    const redirecting = createServer((_req, res) => {
      res.writeHead(307, { location: `http://127.0.0.1:${port}/v3/auth/device` });
      res.end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const from = `http://127.0.0.1:${(redirecting.address() as { port: number }).port}`;
    const s = await sim();
    const { c } = client(seedFor(s, { primary_api_base_url: from }));
    const err = (await c.authenticate().catch((e: unknown) => e)) as ApiBadResponseError;
    expect(err).toBeInstanceOf(ApiBadResponseError);
    expect(err.problems).toEqual([
      'HTTP 307 redirect, not followed: the base URL must point at the API itself (a captive portal?)',
    ]);
    expect(seen).toEqual([]);
    await c.close();
    await Promise.all(
      [elsewhere, redirecting].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
  });

  it('renews an expired JWT once and retries the call', async () => {
    const s = await sim({ jwtTtlSeconds: 1 });
    const tokens: string[] = [];
    const { c } = client(seedFor(s), { onToken: (t) => void tokens.push(t.token) });
    await c.authenticate();
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await c.getDevice('dbgMWS3KEHE');
    expect(s.stats.requests('/v3/auth/device')).toBe(2);
    expect(s.stats.requests('/v3/crud/event_device')).toBe(2);
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).not.toBe(tokens[0]);
    await c.close();
  });

  it('renews a token forged or kept from another server', async () => {
    const s = await sim();
    const { c } = client(seedFor(s));
    c.useToken({ token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl', expires_at: '2099-01-01T00:00:00Z' });
    await c.getSiteDomain(s.url);
    expect(s.stats.requests('/v3/auth/device')).toBe(1);
    await c.close();
  });

  it('without an API key, reads the device when the API allows it and says so when it does not', async () => {
    const open = await sim({ allowAnonymousDeviceRead: true });
    const anonymous = client(seedFor(open, { aether_api_key: null })).c;
    expect((await anonymous.getDevice('dbgMWS3KEHE')).event_device_id).toBe('dbgMWS3KEHE');
    expect(open.stats.requests('/v3/auth')).toBe(0);
    await anonymous.close();

    const closed = await sim();
    const refused = client(seedFor(closed, { aether_api_key: null })).c;
    const err = (await refused.getDevice('dbgMWS3KEHE').catch((e: unknown) => e)) as ApiUnauthorizedError;
    expect(err.reason).toBe('missing-key');
    expect(err.message).toBe(
      'the API requires aether_api_key in seed.json at ~/seed.json for device "dbgMWS3KEHE"; add the device API key there',
    );
    await expect(refused.authenticate()).rejects.toThrow('the API requires aether_api_key in seed.json at ~/seed.json');
    await refused.close();
  });

  it('never logs or reports the API key or the JWT', async () => {
    const s = await sim({ apiKey: 'live-key-0a1b2c3d4e5f' });
    const dead = await closedPortUrl();
    const { c, log } = client(seedFor(s, { primary_api_base_url: dead, backup_api_base_url: s.url }));
    const auth = await c.authenticate();
    await c.getDevice('dbgMWS3KEHE');
    s.faults.set({ status: 500 });
    const err = (await c.getDevice('dbgMWS3KEHE').catch((e: unknown) => e)) as Error;
    log.logger.info({ err }, 'for the test: a logged error');
    const everything = `${log.text()}${err.message}`;
    expect(log.lines.length).toBeGreaterThan(2);
    expect(everything).not.toContain('live-key-0a1b2c3d4e5f');
    expect(everything).not.toContain(auth.token);
    await c.close();
  });

  it('refuses timeouts that are not positive', () => {
    const seed = {
      event_device_id: 'a',
      primary_api_base_url: 'http://127.0.0.1:1',
      backup_api_base_url: null,
      onsite_api_base_url: null,
      aether_api_key: null,
    };
    expect(() =>
      createApiClient({ seed, shownSeedPath: 'x', logger: capturedLogger().logger, attemptTimeoutMs: 0 }),
    ).toThrow('attemptTimeoutMs must be a positive number of milliseconds, got 0');
  });
});
