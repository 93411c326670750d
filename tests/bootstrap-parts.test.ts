import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceRecord } from '../contracts/api';
import { resolveIdentity } from '../provisioning/identity';
import { backoffDelay, validBackoffPolicy } from '../base/backoff';
import { MemorySecretStore } from '../provisioning/secret-store';
import { SESSION_SECRET_NAME, restoreSession, saveSession } from '../provisioning/session-store';
import { createStateStore } from '../provisioning/state-store';
import { capturedLogger } from './provisioning-helpers';

const device = DeviceRecord.parse({
  event_device_id: 'd1',
  event_id: 'ev 1',
  event_location_id: 'loc/a',
  app_base_url: 'https://summit.example.com/app/',
  mode: 'native',
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bootstrap-parts-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('retry delays', () => {
  it('doubles from the initial delay up to the cap, with jitter taking up to its share off', () => {
    const policy = validBackoffPolicy({ initialDelayMs: 500, maxDelayMs: 5_000, factor: 2, jitter: 0.5 });
    expect([0, 1, 2, 3, 4, 50].map((n) => backoffDelay(policy, n, () => 0))).toEqual([
      500, 1_000, 2_000, 4_000, 5_000, 5_000,
    ]);
    expect(backoffDelay(policy, 3, () => 1)).toBe(2_000);
    expect(() => validBackoffPolicy({ ...policy, maxDelayMs: 100 })).toThrow(
      'retry delays must satisfy 0 < initialDelayMs <= maxDelayMs, got 500 and 100',
    );
    expect(() => validBackoffPolicy({ ...policy, jitter: 2 })).toThrow('retry jitter must be within 0..1, got 2');
  });
});

describe('resolveIdentity', () => {
  it('builds the launcher URL and exact origins, with the launcher origin first and no repeats', () => {
    const identity = resolveIdentity({
      seedPath: '/s.json',
      device,
      api: 'http://api',
      siteDomain: {
        site_domain_id: 's',
        app_base_url: device.app_base_url,
        site_domain: 'summit.example.com',
        allowed_origins: ['https://summit.example.com/', 'https://cdn.example.com:8443/x'],
      },
    });
    expect(identity.targetUrl).toBe('https://summit.example.com/app/events/ev%201/launcher/loc%2Fa');
    expect(identity.allowedOrigins).toEqual(['https://summit.example.com', 'https://cdn.example.com:8443']);
    expect(
      resolveIdentity({ seedPath: '/s.json', device, api: 'http://api', siteDomain: null }).allowedOrigins,
    ).toEqual(['https://summit.example.com']);
  });
});

describe('state store', () => {
  it('round-trips the last good record and ignores damaged ones with a warning', async () => {
    const log = capturedLogger();
    const store = createStateStore({ stateDir: path.join(dir, 'nested', 'state'), logger: log.logger });
    expect(await store.load()).toBeNull();
    const record = {
      device,
      siteDomain: null,
      targetUrl: 'https://summit.example.com/x',
      api: 'http://127.0.0.1:1',
      seedPath: '/s.json',
      savedAt: new Date().toISOString(),
    };
    await store.save(record);
    expect(await store.load()).toEqual({ version: 1, ...record });
    await writeFile(store.file, JSON.stringify({ ...record, version: 1, targetUrl: 'not a url' }));
    expect(await store.load()).toBeNull();
    expect(log.text()).toContain('does not match its schema (targetUrl: ');
    await writeFile(store.file, 'garbage');
    expect(await store.load()).toBeNull();
    expect(log.text()).toContain('is not valid JSON; ignoring it');
  });

  it('stores nothing secret in the state folder', async () => {
    const store = createStateStore({ stateDir: dir, logger: capturedLogger().logger });
    await store.save({
      device,
      siteDomain: null,
      targetUrl: 'https://a.example/x',
      api: 'http://127.0.0.1:1',
      seedPath: '/s.json',
      savedAt: new Date().toISOString(),
    });
    expect(await readFile(store.file, 'utf8')).not.toMatch(/token|api_key|eyJ/);
  });
});

describe('kept session', () => {
  it('restores a fresh token of the same device only, and drops a damaged entry', async () => {
    const log = capturedLogger();
    const store = new MemorySecretStore();
    const now = Date.parse('2026-11-22T10:00:00Z');
    await saveSession(store, 'd1', { token: 'tok-1', expires_at: '2026-11-22T11:00:00Z' });
    expect(await restoreSession(store, 'd1', now, 60_000, log.logger)).toEqual({
      token: 'tok-1',
      expires_at: '2026-11-22T11:00:00Z',
    });
    expect(await restoreSession(store, 'd2', now, 60_000, log.logger)).toBeNull();
    expect(await restoreSession(store, 'd1', now + 3_570_000, 60_000, log.logger)).toBeNull();
    await store.set(SESSION_SECRET_NAME, '{not json');
    expect(await restoreSession(store, 'd1', now, 60_000, log.logger)).toBeNull();
    expect(store.names()).toEqual([]);
    expect(log.text()).toContain('the kept session token is damaged; dropping it');
  });
});
