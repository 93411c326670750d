import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthResponse, DeviceRecord, EventFileList, Health, SiteDomainList, launcherUrl } from '../contracts/api';
import { DEMO_API_KEY, startSimulator, type Simulator } from '../apps/simulator/index';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({
    devices: [{ event_device_id: 'broken_device', name: 42, mode: 'sideways' }],
  });
});
afterAll(() => sim.close());

async function token(s: Simulator = sim, deviceId = 'dbgMWS3KEHE'): Promise<string> {
  const res = await authenticate(s, { event_device_id: deviceId });
  expect(res.status).toBe(200);
  return AuthResponse.parse(await res.json()).token;
}

function authenticate(s: Simulator, body: unknown, apiKey: string | null = s.apiKey): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (apiKey !== null) headers['X-Api-Key'] = apiKey;
  return fetch(`${s.url}/v3/auth/device`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

describe('simulator: identity exchange', () => {
  it('returns a JWT whose subject is the device and whose expiry is in the future', async () => {
    const res = await authenticate(sim, { event_device_id: 'dbgMWS3KEHE' });
    expect(res.status).toBe(200);
    const body = AuthResponse.parse(await res.json());
    const payload = JSON.parse(Buffer.from(body.token.split('.')[1]!, 'base64url').toString('utf8')) as {
      sub: string;
      exp: number;
    };
    expect(payload.sub).toBe('dbgMWS3KEHE');
    expect(Date.parse(body.expires_at)).toBe(payload.exp * 1000);
    expect(payload.exp * 1000).toBeGreaterThan(Date.now());
  });

  it('refuses a bad or missing key with 401 and never echoes the key', async () => {
    const wrong = await authenticate(sim, { event_device_id: 'dbgMWS3KEHE' }, 'not-the-key');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('not-the-key');
    expect((await authenticate(sim, { event_device_id: 'dbgMWS3KEHE' }, null)).status).toBe(401);
  });

  it('answers 404 for an unknown device and 400 for a bad body', async () => {
    expect((await authenticate(sim, { event_device_id: 'nobody' })).status).toBe(404);
    for (const bad of ['{not json', '', '[]', { event_device_id: '' }, { event_device_id: 7 }, { other: 'x' }]) {
      const res = await authenticate(sim, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/event_device_id/);
    }
  });

  it('only accepts POST', async () => {
    expect((await fetch(`${sim.url}/v3/auth/device`)).status).toBe(405);
  });

  it('honours a custom API key', async () => {
    const custom = await startSimulator({ apiKey: 'custom-key-123', files: [] });
    try {
      expect(custom.apiKey).toBe('custom-key-123');
      expect((await authenticate(custom, { event_device_id: 'dbgMWS3KEHE' }, DEMO_API_KEY)).status).toBe(401);
      expect((await authenticate(custom, { event_device_id: 'dbgMWS3KEHE' }, 'custom-key-123')).status).toBe(200);
    } finally {
      await custom.close();
    }
  });
});

describe('simulator: device, site domain, event files, health', () => {
  it('serves the demo device, which parses with the shared schema and points at the simulator', async () => {
    const res = await fetch(`${sim.url}/v3/crud/event_device/dbgMWS3KEHE`, { headers: bearer(await token()) });
    expect(res.status).toBe(200);
    const device = DeviceRecord.parse(await res.json());
    expect(device).toMatchObject({
      name: 'Ballroom A lectern',
      event_id: 'ev_2026_summit',
      event_location_id: 'loc_ballroom_a',
      mode: 'native',
      app_base_url: sim.url,
    });
    expect(device).toEqual(sim.demo.device);
    expect(launcherUrl(device)).toBe(`${sim.url}/events/ev_2026_summit/launcher/loc_ballroom_a`);
  });

  it('serves extra devices as given, even when they fail the schema', async () => {
    const res = await fetch(`${sim.url}/v3/crud/event_device/broken_device`, {
      headers: bearer(await token(sim, 'broken_device')),
    });
    expect(res.status).toBe(200);
    expect(DeviceRecord.safeParse(await res.json()).success).toBe(false);
  });

  it('needs a valid bearer token and answers 404 for an unknown device', async () => {
    const url = `${sim.url}/v3/crud/event_device/dbgMWS3KEHE`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: bearer('eyJhbGciOiJIUzI1NiJ9.e30.forged') })).status).toBe(401);
    expect((await fetch(url, { headers: { Authorization: 'Basic abc' } })).status).toBe(401);
    expect((await fetch(`${sim.url}/v3/crud/event_device/nobody`, { headers: bearer(await token()) })).status).toBe(
      404,
    );
  });

  it('refuses a token signed by another simulator', async () => {
    const other = await startSimulator({ files: [] });
    try {
      const foreign = await token(other);
      expect((await fetch(`${sim.url}/v3/crud/event_device/dbgMWS3KEHE`, { headers: bearer(foreign) })).status).toBe(
        401,
      );
    } finally {
      await other.close();
    }
  });

  it('finds the site domain by normalised app_base_url and returns an empty list otherwise', async () => {
    const t = await token();
    const query = async (value: string) =>
      fetch(`${sim.url}/v3/crud/site_domain?app_base_url=${encodeURIComponent(value)}`, { headers: bearer(t) });
    for (const variant of [sim.url, `${sim.url}/`, sim.url.replace('http://', 'HTTP://')]) {
      const list = SiteDomainList.parse(await (await query(variant)).json());
      expect(list.items, variant).toEqual([sim.demo.siteDomain]);
    }
    const site = sim.demo.siteDomain;
    expect(site.site_domain).toBe(`127.0.0.1:${sim.port}`);
    expect(site.allowed_origins).toEqual([sim.url]);
    expect(SiteDomainList.parse(await (await query('https://elsewhere.example')).json()).items).toEqual([]);
    expect((await query('not a url')).status).toBe(400);
    expect((await fetch(`${sim.url}/v3/crud/site_domain`, { headers: bearer(t) })).status).toBe(400);
    expect((await fetch(`${sim.url}/v3/crud/site_domain?app_base_url=${encodeURIComponent(sim.url)}`)).status).toBe(
      401,
    );
  });

  it('lists the event files of an event, which parse with the shared schema', async () => {
    const t = await token();
    const res = await fetch(`${sim.url}/v3/crud/event_file?event_id=ev_2026_summit`, { headers: bearer(t) });
    const list = EventFileList.parse(await res.json());
    expect(list.items).toEqual(sim.demo.files);
    expect(list.items.map((f) => f.filename)).toContain('Keynote.pptx');
    expect(Math.max(...list.items.map((f) => f.size))).toBeGreaterThanOrEqual(16 * 1024 * 1024);
    expect(Math.min(...list.items.map((f) => f.size))).toBeLessThan(1024);
    const none = EventFileList.parse(
      await (await fetch(`${sim.url}/v3/crud/event_file?event_id=other`, { headers: bearer(t) })).json(),
    );
    expect(none.items).toEqual([]);
    expect((await fetch(`${sim.url}/v3/crud/event_file`, { headers: bearer(t) })).status).toBe(400);
    expect((await fetch(`${sim.url}/v3/crud/event_file?event_id=ev_2026_summit`)).status).toBe(401);
  });

  it('answers health without auth and 404 JSON for unknown routes', async () => {
    expect(Health.parse(await (await fetch(`${sim.url}/v3/health`)).json())).toEqual({ ok: true });
    for (const path of ['/v3/nope', '/', '/v3/crud/event_device/', '/v3/files/']) {
      const res = await fetch(`${sim.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(typeof ((await res.json()) as { error: unknown }).error).toBe('string');
    }
  });

  it('lets the device be read anonymously only when allowed, and still refuses a bad token then', async () => {
    const open = await startSimulator({ allowAnonymousDeviceRead: true, files: [] });
    try {
      const url = `${open.url}/v3/crud/event_device/dbgMWS3KEHE`;
      expect(DeviceRecord.parse(await (await fetch(url)).json()).event_device_id).toBe('dbgMWS3KEHE');
      expect((await fetch(url, { headers: bearer('garbage.token.here') })).status).toBe(401);
      expect((await fetch(`${open.url}/v3/crud/event_file?event_id=ev_2026_summit`)).status).toBe(401);
    } finally {
      await open.close();
    }
  });
});

describe('simulator: token expiry', () => {
  it('refuses an expired JWT with 401 JSON and accepts a fresh one', async () => {
    const short = await startSimulator({ jwtTtlSeconds: 1, files: [] });
    try {
      const url = `${short.url}/v3/crud/event_device/dbgMWS3KEHE`;
      const first = await token(short);
      expect((await fetch(url, { headers: bearer(first) })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const expired = await fetch(url, { headers: bearer(first) });
      expect(expired.status).toBe(401);
      expect(expired.headers.get('content-type')).toMatch(/application\/json/);
      expect(((await expired.json()) as { error: string }).error).toMatch(/token/);
      expect((await fetch(url, { headers: bearer(await token(short)) })).status).toBe(200);
    } finally {
      await short.close();
    }
  });

  it('refuses a non-positive ttl at start', async () => {
    await expect(startSimulator({ jwtTtlSeconds: 0 })).rejects.toThrow(/jwtTtlSeconds/);
  });
});

describe('simulator: demo seed, stats, lifecycle', () => {
  it('builds a seed pointing at itself, with overrides', () => {
    expect(sim.demoSeed()).toEqual({
      event_device_id: 'dbgMWS3KEHE',
      primary_api_base_url: sim.url,
      backup_api_base_url: null,
      onsite_api_base_url: null,
      aether_api_key: sim.apiKey,
    });
    expect(sim.demoSeed({ aether_api_key: null }).aether_api_key).toBeNull();
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('counts requests by path prefix', async () => {
    const s = await startSimulator({ files: [] });
    try {
      await fetch(`${s.url}/v3/health`);
      await fetch(`${s.url}/v3/health?x=1`);
      await fetch(`${s.url}/v3/crud/event_file?event_id=x`);
      expect(s.stats.requests('/v3/health')).toBe(2);
      expect(s.stats.requests('/v3/crud')).toBe(1);
      expect(s.stats.requests()).toBe(3);
    } finally {
      await s.close();
    }
  });

  it('closes even with a keep-alive connection open, and frees its port', async () => {
    const s = await startSimulator({ files: [] });
    await fetch(`${s.url}/v3/health`);
    await s.close();
    await expect(fetch(`${s.url}/v3/health`)).rejects.toThrow();
    await s.close();
  });

  it('refuses an invalid port', async () => {
    await expect(startSimulator({ port: 70000 })).rejects.toThrow(/port/);
    await expect(startSimulator({ port: -1 })).rejects.toThrow(/port/);
  });
});
