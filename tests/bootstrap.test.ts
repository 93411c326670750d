import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { platformPaths } from '../base/platform';
import { type Simulator, startSimulator } from '../apps/simulator';
import { type Bootstrap, type BootstrapDeps, createBootstrap } from '../provisioning/bootstrap';
import type { BootstrapState } from '../provisioning/bootstrap-state';
import type { Clock } from '../base/clock';
import { MemorySecretStore } from '../provisioning/secret-store';
import { SESSION_SECRET_NAME } from '../provisioning/session-store';
import { LastGoodRecord, createStateStore } from '../provisioning/state-store';
import { capturedLogger, closedPortUrl } from './provisioning-helpers';

let home: string;
const sims: Simulator[] = [];
const boots: Bootstrap[] = [];

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'bootstrap-'));
});
afterEach(async () => {
  await Promise.all(boots.splice(0).map((b) => b.stop()));
  await Promise.all(sims.splice(0).map((s) => s.close()));
  await rm(home, { recursive: true, force: true });
});

async function sim(options: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  const s = await startSimulator(options);
  sims.push(s);
  return s;
}

/** Virtual time: sleeps return at once and move the clock, so backoff runs without waiting. */
function fastClock(): Clock & { sleeps: number[]; advance(ms: number): void } {
  let now = Date.now();
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    advance: (ms) => void (now += ms),
    async sleep(ms) {
      sleeps.push(ms);
      now += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

async function writeSeed(body: unknown, name = 'seed.json'): Promise<string> {
  const file = path.join(home, name);
  await writeFile(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

interface Harness {
  boot: Bootstrap;
  states: BootstrapState[];
  secrets: MemorySecretStore;
  clock: ReturnType<typeof fastClock>;
  log: ReturnType<typeof capturedLogger>;
}

function harness(extra: Partial<BootstrapDeps> & { secrets?: MemorySecretStore } = {}): Harness {
  const log = capturedLogger();
  const secrets = extra.secrets ?? new MemorySecretStore();
  const clock = fastClock();
  const deps = {
    discovery: {
      env: {},
      packaged: false,
      paths: platformPaths({ platform: 'linux', home, env: {} }),
      home,
      cwd: home,
    },
    defaultApiUrl: 'https://api.default.invalid',
    stateStore: createStateStore({ stateDir: path.join(home, 'state'), logger: log.logger }),
    secretStore: secrets,
    clock,
    logger: log.logger,
    home,
    random: () => 0,
    api: { attemptTimeoutMs: 1_000, connectTimeoutMs: 500, totalTimeoutMs: 3_000 },
    ...extra,
  } as BootstrapDeps;
  const boot = createBootstrap(deps);
  boots.push(boot);
  const states: BootstrapState[] = [];
  boot.subscribe((s) => states.push(s));
  return { boot, states, secrets, clock, log };
}

/** Polls a condition that no transition announces (quiet retries while offline-ready). */
async function eventually(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

function until(h: Harness, predicate: (states: BootstrapState[]) => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (predicate(h.states)) return resolve();
    const off = h.boot.subscribe(() => {
      if (predicate(h.states)) {
        off();
        resolve();
      }
    });
  });
}

describe('bootstrap against the simulator', () => {
  it('goes seeking-seed → authenticating → identifying → hydrating → ready and keeps what it learnt', async () => {
    const s = await sim();
    const seedPath = await writeSeed(s.demoSeed());
    const h = harness();
    const final = await h.boot.run();
    expect(h.states.map((x) => x.kind)).toEqual([
      'seeking-seed',
      'authenticating',
      'identifying',
      'hydrating',
      'ready',
    ]);
    expect(final).toMatchObject({ kind: 'ready', api: s.url });
    if (final.kind !== 'ready') throw new Error('not ready');
    expect(final.identity).toMatchObject({
      seedPath,
      targetUrl: `${s.url}/events/ev_2026_summit/launcher/loc_ballroom_a`,
      allowedOrigins: [s.url],
      api: s.url,
    });
    const kept = LastGoodRecord.parse(JSON.parse(await readFile(path.join(home, 'state', 'last-good.json'), 'utf8')));
    expect(kept).toMatchObject({
      device: { event_device_id: 'dbgMWS3KEHE' },
      targetUrl: final.identity.targetUrl,
      api: s.url,
      seedPath,
    });
    const session = await h.boot.session();
    expect(JSON.parse((await h.secrets.get(SESSION_SECRET_NAME)) ?? '{}')).toEqual({
      event_device_id: 'dbgMWS3KEHE',
      ...session,
    });
    expect(h.boot.api().lastAnswered()).toBe(s.url);
    expect(h.log.text()).not.toContain(session.token);
    expect(h.log.text()).not.toContain(s.apiKey);
  });

  it('reuses a kept JWT on the next start instead of authenticating again', async () => {
    const s = await sim();
    await writeSeed(s.demoSeed());
    const first = harness();
    await first.boot.run();
    const second = harness({ secrets: first.secrets });
    expect((await second.boot.run()).kind).toBe('ready');
    expect(s.stats.requests('/v3/auth/device')).toBe(1);
    expect((await second.boot.session()).token).toBe((await first.boot.session()).token);
  });

  it('renews the JWT for the page when it is near expiry', async () => {
    const s = await sim({ jwtTtlSeconds: 120 });
    await writeSeed(s.demoSeed());
    const h = harness({ sessionRenewMarginMs: 60_000 });
    await h.boot.run();
    const first = await h.boot.session();
    expect((await h.boot.session()).token).toBe(first.token);
    h.clock.advance(61_000);
    // Tokens of the same second are identical; wait for the next one so the renewal is visible.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const [a, b] = await Promise.all([h.boot.session(), h.boot.session()]);
    expect(a.token).not.toBe(first.token);
    expect(b.token).toBe(a.token);
    expect(s.stats.requests('/v3/auth/device')).toBe(2);
    expect(await h.secrets.get(SESSION_SECRET_NAME)).toContain(a.token);
  });

  it('starts offline-ready from the last good record when no API answers, then goes online when it returns', async () => {
    const s = await sim();
    await writeSeed(s.demoSeed({ backup_api_base_url: await closedPortUrl() }));
    await harness().boot.run();

    s.faults.set({ status: 503 });
    const h = harness();
    const started = Date.now();
    const offline = await h.boot.run();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(offline).toMatchObject({
      kind: 'offline-ready',
      identity: { targetUrl: `${s.url}/events/ev_2026_summit/launcher/loc_ballroom_a`, api: s.url },
    });
    if (offline.kind !== 'offline-ready') throw new Error('not offline');
    expect(offline.reason).toMatch(/^no Aether API answered POST \/v3\/auth\/device: .*HTTP 503.*connection refused/);
    await eventually(() => h.clock.sleeps.length >= 2);
    expect(h.states.filter((x) => x.kind !== 'offline-ready').map((x) => x.kind)).toEqual([
      'seeking-seed',
      'authenticating',
    ]);
    s.faults.clear();
    await until(h, (states) => states.at(-1)?.kind === 'ready');
    expect(h.boot.state()).toMatchObject({ kind: 'ready', api: s.url });
  });

  it('fails with a clear reason and retries with capped backoff when no API answers and nothing is kept', async () => {
    const dead = await closedPortUrl();
    await writeSeed({ event_device_id: 'dbgMWS3KEHE', primary_api_base_url: dead, aether_api_key: 'k-secret-123456' });
    const h = harness({ retry: { initialDelayMs: 1_000, maxDelayMs: 4_000 } });
    const running = h.boot.run();
    await until(h, (states) => states.filter((x) => x.kind === 'failed').length >= 4);
    const failed = h.states.filter((x): x is Extract<BootstrapState, { kind: 'failed' }> => x.kind === 'failed');
    expect(failed[0]?.reason).toBe(`no Aether API answered POST /v3/auth/device: ${dead} (connection refused)`);
    expect(h.clock.sleeps.slice(0, 4)).toEqual([1_000, 2_000, 4_000, 4_000]);
    expect(Date.parse(failed[1]?.retryAt ?? '') - Date.parse(failed[0]?.retryAt ?? '')).toBeGreaterThan(0);
    await h.boot.stop();
    expect((await running).kind).toBe('failed');
    expect(h.log.text()).not.toContain('k-secret-123456');
  });

  it('fails with the seed message on a bad seed, and recovers once the file is fixed', async () => {
    const s = await sim();
    await writeSeed('{"event_device_id": "dbgMWS3KEHE",}');
    const h = harness();
    const running = h.boot.run();
    await until(h, (states) => states.some((x) => x.kind === 'failed'));
    expect(h.states.find((x) => x.kind === 'failed')).toMatchObject({
      failure: {
        code: 'seed-invalid',
        shownPath: '~/seed.json',
        problem: expect.stringContaining('is not valid JSON at line 1'),
      },
      reason:
        'seed.json at ~/seed.json: is not valid JSON at line 1, column 35: expected a property name in double quotes, found character "}" (a trailing comma?). Fix the JSON syntax there.',
    });
    await writeSeed(s.demoSeed());
    expect((await running).kind).toBe('ready');
  });

  it('says where it looked when there is no seed and no zero-touch provisioning', async () => {
    const h = harness();
    expect(await h.boot.runOnce()).toEqual({
      kind: 'failed',
      failure: { code: 'seed-missing', searched: ['~/seed.json', '~/.config/aether/seed.json'] },
      reason:
        'no seed.json found (looked at ~/seed.json, ~/.config/aether/seed.json); put one there or pass --seed <path>',
      retryAt: null,
    });
    expect(() => h.boot.api()).toThrow('no seed has been loaded yet');
  });

  it('waits in seeking-seed for zero-touch provisioning and reports what it waits for', async () => {
    const s = await sim();
    let deliver: (seedPath: string) => void = () => undefined;
    const h = harness({
      waitForSeed: async (report) => {
        report({ folder: '/share/seeds', file: 'seed_lectern-a.json' });
        report(
          { folder: '/share/seeds', file: 'seed_lectern-a.json' },
          {
            code: 'seed-invalid',
            file: '/share/seeds/seed_lectern-a.json',
            shownPath: '/share/seeds/seed_lectern-a.json',
            problem: 'is empty',
            fix: 'It must hold a JSON object with at least "event_device_id".',
          },
        );
        const file = await new Promise<string>((resolve) => (deliver = resolve));
        const { loadSeed } = await import('../provisioning/seed-load');
        return loadSeed(file, { logger: capturedLogger().logger, defaultApiUrl: 'https://x.invalid' });
      },
    });
    const running = h.boot.run();
    await until(h, (states) => states.some((x) => x.kind === 'seeking-seed' && x.waitingFor !== undefined));
    expect(h.boot.state()).toEqual({
      kind: 'seeking-seed',
      waitingFor: { folder: '/share/seeds', file: 'seed_lectern-a.json' },
      failure: expect.objectContaining({ code: 'seed-invalid' }),
      problem: expect.stringMatching(/seed_lectern-a\.json: is empty/),
    });
    deliver(await writeSeed(s.demoSeed(), 'provisioned.json'));
    expect((await running).kind).toBe('ready');
  });

  it('can be stopped while waiting for a seed, aborting the wait', async () => {
    let aborted = false;
    const h = harness({
      waitForSeed: (report, signal) =>
        new Promise((_resolve, reject) => {
          report({ folder: '/share/seeds', file: 'seed_x.json' });
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
    });
    const running = h.boot.run();
    await until(h, (states) => states.some((x) => x.kind === 'seeking-seed' && x.waitingFor !== undefined));
    await h.boot.stop();
    expect((await running).kind).toBe('seeking-seed');
    expect(aborted).toBe(true);
    expect(h.log.text()).not.toContain('unexpected');
  });

  it('treats a refused key as failed even with a last good record', async () => {
    const s = await sim();
    await writeSeed(s.demoSeed());
    await harness().boot.run();
    await writeSeed(s.demoSeed({ aether_api_key: 'revoked-key-000000' }));
    const h = harness();
    expect(await h.boot.runOnce()).toEqual({
      kind: 'failed',
      failure: expect.objectContaining({ code: 'api-unauthorized', why: 'bad-key' }),
      reason: `the API at ${s.url} refused the aether_api_key in seed.json at ~/seed.json for device "dbgMWS3KEHE" (HTTP 401); check the key`,
      retryAt: null,
    });
  });

  it('fails for an unknown device and for a device record that breaks the schema', async () => {
    const s = await sim({
      devices: [
        {
          event_device_id: 'broken',
          event_id: 'e',
          event_location_id: 'l',
          app_base_url: 'https://ok.example',
          mode: 'native',
          check_event_loop_period: -1,
        },
      ],
    });
    await writeSeed(s.demoSeed({ event_device_id: 'nobody' }));
    expect(await harness().boot.runOnce()).toMatchObject({
      kind: 'failed',
      failure: { code: 'api-not-found' },
      reason: `the API at ${s.url} does not know device "nobody" (from seed.json at ~/seed.json); check event_device_id`,
    });
    await writeSeed(s.demoSeed({ event_device_id: 'broken' }));
    const broken = await harness().boot.runOnce();
    expect(broken).toMatchObject({ kind: 'failed', failure: { code: 'api-bad-response' } });
    expect(broken.kind === 'failed' && broken.reason).toBe(
      `the Aether API at ${s.url} answered GET /v3/crud/event_device/broken with an unusable response: check_event_loop_period: Too small: expected number to be >0`,
    );
  });

  it('starts offline-ready when the API stalls, bounded by the attempt timeout', async () => {
    const s = await sim();
    await writeSeed(s.demoSeed());
    await harness().boot.run();
    s.faults.set({ delayMs: 5_000 });
    const state = await harness({
      api: { attemptTimeoutMs: 300, connectTimeoutMs: 300, totalTimeoutMs: 1_000 },
    }).boot.runOnce();
    expect(state).toMatchObject({
      kind: 'offline-ready',
      failure: { code: 'api-unreachable' },
      reason: `no Aether API answered POST /v3/auth/device: ${s.url} (no answer within 0.3 s)`,
    });
  });

  it('starts offline-ready on garbage answers when it has a last good record', async () => {
    const s = await sim();
    await writeSeed(s.demoSeed());
    await harness().boot.run();
    s.faults.set({ garbage: true });
    const h = harness();
    const state = await h.boot.runOnce();
    expect(state.kind).toBe('offline-ready');
    expect(state.kind === 'offline-ready' && state.reason).toMatch(/unusable response: token: /);
  });

  it('ignores a corrupt last good record with a warning and a record of another device', async () => {
    const s = await sim();
    await writeSeed(s.demoSeed());
    const stateFile = path.join(home, 'state', 'last-good.json');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.dirname(stateFile), { recursive: true });
    await writeFile(stateFile, '{"version": 1, "device": ');
    s.faults.set({ status: 503 });
    const h = harness();
    expect((await h.boot.runOnce()).kind).toBe('failed');
    expect(h.log.text()).toContain(`last good record at ${stateFile} is not valid JSON; ignoring it`);
    s.faults.clear();
    expect((await harness().boot.runOnce()).kind).toBe('ready');

    await writeSeed(s.demoSeed({ event_device_id: 'other-device' }));
    s.faults.set({ status: 503 });
    const other = harness();
    expect((await other.boot.runOnce()).kind).toBe('failed');
    expect(other.log.text()).toContain('the last good record is for device \\"dbgMWS3KEHE\\", not \\"other-device\\"');
  });
});
