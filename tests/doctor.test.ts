import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../apps/cli/commands/doctor';
import { main } from '../apps/cli/main';
import { type Simulator, startSimulator } from '../apps/simulator';
import { captureIo } from './cli-io-helpers';
import { closedPortUrl } from './provisioning-helpers';
import { runAppCoreOnce } from './support/app-core';

let home: string;
let sim: Simulator | null = null;

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'doctor-'));
});
afterEach(async () => {
  await sim?.close();
  sim = null;
  await rm(home, { recursive: true, force: true });
});

async function doctor(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo({ HOME: home });
  const code = await main(['doctor', ...args], io);
  return { code, stdout: io.out(), stderr: io.err() };
}

async function seedFile(body: unknown, name = 'seed.json'): Promise<string> {
  const file = path.join(home, name);
  await writeFile(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

describe('aether-native doctor', () => {
  it('--demo --json: ready, the launcher URL, each API URL with latency', async () => {
    const { code, stdout, stderr } = await doctor('--demo', '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.state).toBe('ready');
    expect(report.seed.path).toMatch(/aether-doctor-.*seed\.json$/);
    expect(report.seed.reason).toMatch(/^demo seed of the embedded simulator at http:\/\/127\.0\.0\.1:\d+$/);
    expect(report.api).toHaveLength(1);
    expect(report.api[0]).toMatchObject({ role: 'primary', ok: true });
    expect(report.api[0]?.ms).toBeGreaterThanOrEqual(0);
    expect(report.device).toMatchObject({ event_device_id: 'dbgMWS3KEHE', event_id: 'ev_2026_summit', mode: 'native' });
    expect(report.target_url).toBe(`${report.device?.app_base_url}/events/ev_2026_summit/launcher/loc_ballroom_a`);
    expect(report.folders.cache.writable).toBe(true);
    expect(report.folders.temp.writable).toBe(true);
  });

  it('prints an aligned human report', async () => {
    const { code, stdout } = await doctor('--demo');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Aether Native doctor\n {2}seed {8}\/.*seed\.json \(demo seed/);
    expect(stdout).toMatch(/\n {2}api {9}primary http:\/\/127\.0\.0\.1:\d+ {2}ok [\d.]+ ms\n/);
    expect(stdout).toMatch(
      /\n {2}target url {2}http:\/\/127\.0\.0\.1:\d+\/events\/ev_2026_summit\/launcher\/loc_ballroom_a\n/,
    );
    expect(stdout).toMatch(/\n {2}state {7}ready via http:\/\/127\.0\.0\.1:\d+\n/);
    expect(stdout).toContain(`\n  share       none found (looked at ~/admin_share, ~/Sync/admin_share)\n`);
    expect(stdout).toMatch(
      /\n {2}hostname {4}[a-z0-9-]+\n {2}share seed  ~\/admin_share\/seeds\/seed_[a-z0-9-]+\.json {2}not there \(only read while no seed is installed\)\n$/,
    );
  });

  it('a bad seed: non-zero exit, the seed message, no stack trace', async () => {
    const file = await seedFile('{"event_device_id": 42}');
    const { code, stdout, stderr } = await doctor('--seed', file, '--json');
    expect(code).toBe(1);
    const expected =
      'seed.json at ~/seed.json: event_device_id must be a string, found number 42. Set "event_device_id" to the device id from the Aether admin (letters, digits, "_" or "-", at most 64).';
    expect(stderr).toBe(`aether-native doctor: ${expected}\n`);
    expect(JSON.parse(stdout)).toMatchObject({
      seed: { path: file, error: expected },
      state: 'failed',
      failure: 'seed-invalid',
      device: null,
      target_url: null,
    });
    const human = await doctor('--seed', file);
    // Said once: on stderr, and not again in the report.
    expect(human.stderr).toBe(`aether-native doctor: ${expected}\n`);
    expect(human.stdout).not.toContain(expected);
    expect(human.stdout).toContain('unusable (the problem is below)');
    expect(`${human.stdout}${human.stderr}`).not.toMatch(/\n\s+at \S/);
  });

  it('reports a missing --seed file and no seed anywhere', async () => {
    const missing = await doctor('--seed', path.join(home, 'typo.json'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'aether-native doctor: seed.json at ~/typo.json: does not exist (given with --seed). Check the path, or leave it out to use the default locations.\n',
    );
    const none = await doctor('--json');
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(
      'aether-native doctor: no seed.json found (looked at ~/seed.json, ~/.config/aether/seed.json); put one there or pass --seed <path>\n',
    );
  });

  it('shows each base URL that does not answer and fails without a last good record', async () => {
    sim = await startSimulator();
    const dead = await closedPortUrl();
    await seedFile({ ...sim.demoSeed(), primary_api_base_url: dead, backup_api_base_url: null });
    const { code, stdout, stderr } = await doctor('--json');
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.seed).toMatchObject({
      source: 'development-home',
      reason: 'development build: seed.json in the home folder',
    });
    expect(report.api).toEqual([
      {
        role: 'primary',
        url: dead,
        ok: false,
        ms: null,
        error: `no Aether API answered GET /v3/health: ${dead} (connection refused)`,
      },
    ]);
    expect(report.state).toBe('failed');
    expect(stderr).toBe(
      `aether-native doctor: no Aether API answered POST /v3/auth/device: ${dead} (connection refused)\n`,
    );
  });

  it('is offline-ready (exit 0) when the API is down but a last good record exists, and flags an unwritable cache folder', async () => {
    sim = await startSimulator();
    await seedFile({ ...sim.demoSeed(), backup_api_base_url: await closedPortUrl() });
    // The app's last good record comes from the app (doctor never writes it): one start of its core.
    await runAppCoreOnce({ home });
    sim.faults.set({ status: 503 });
    await writeFile(path.join(home, 'not-a-folder'), 'x');
    const { code, stdout } = await doctor('--json', '--cache-dir', path.join(home, 'not-a-folder', 'cache'));
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.state).toBe('offline-ready');
    expect(report.failure).toBe('api-unreachable');
    expect(report.reason).toMatch(/HTTP 503/);
    expect(report.api.map((a) => a.ok)).toEqual([false, false]);
    expect(report.target_url).toBe(`${sim.url}/events/ev_2026_summit/launcher/loc_ballroom_a`);
    expect(report.folders.cache).toEqual({
      path: path.join(home, 'not-a-folder', 'cache'),
      writable: false,
      error: 'a file is in the way',
    });
  });

  it('refuses --demo with --seed and unknown options as usage errors', async () => {
    const both = await doctor('--demo', '--seed', 'x.json');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(
      /^aether-native doctor: --demo brings its own seed; leave out --seed\nusage: aether-native doctor/,
    );
    expect((await doctor('--colour')).code).toBe(2);
  });

  it('as a real process: a bad seed prints one line and no stack trace', async () => {
    await mkdir(path.join(home, 'seeds'));
    const file = await seedFile('[1, 2', path.join('seeds', 'seed.json'));
    const bin = path.join(process.cwd(), 'bin', 'aether-native.mjs');
    const result = spawnSync(process.execPath, [bin, 'doctor', '--seed', file], {
      encoding: 'utf8',
      env: { ...process.env, HOME: home },
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'aether-native doctor: seed.json at ~/seeds/seed.json: is not valid JSON at line 1, column 6: the file ends inside an array (a missing "]"?). Fix the JSON syntax there.\n',
    );
  });
});
