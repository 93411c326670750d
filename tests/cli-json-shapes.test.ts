import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulate } from '../apps/cli/commands/simulate';
import { main } from '../apps/cli/main';
import {
  CacheGcOutput,
  CacheStatusOutput,
  CacheVerifyOutput,
  DoctorOutput,
  FleetStatusOutput,
  PrefetchOutput,
  ProvisionOutput,
  ReleaseOutput,
  SimulateOutput,
} from '../apps/cli/output-schemas';
import { startSimulator, type Simulator } from '../apps/simulator/index';
import { captureIo } from './cli-io-helpers';
import { useCleanups } from './support/cleanups';

/** Every command's --json, parsed with the schema that documents it (not grepped). */

const cleanups = useCleanups();
const FILES = [
  { filename: 'Keynote.pptx', size: 300_000 },
  { filename: 'Agenda.txt', size: 1_000 },
  { filename: 'Loop.mp4', size: 200_000 },
];
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ files: FILES });
});
afterAll(async () => {
  await sim.close();
});

async function setup() {
  const dir = await cleanups.tempDir('cli-json');
  const home = path.join(dir, 'home');
  await mkdir(home);
  const seed = path.join(dir, 'seed.json');
  await writeFile(seed, JSON.stringify(sim.demoSeed()));
  return { dir, home, seed, cacheDir: path.join(dir, 'cache') };
}

async function cli(home: string, args: string[], env: Record<string, string> = {}) {
  const io = captureIo({ HOME: home, ...env });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

function entryPath(root: string, sha256: string): string {
  return path.join(root, sha256.slice(0, 2), `${sha256}.file`);
}

describe('--json shapes', () => {
  it('prefetch, cache status (--check), verify and gc', async () => {
    const { home, seed, cacheDir } = await setup();
    const first = await cli(home, ['prefetch', '--json', '--seed', seed, '--cache-dir', cacheDir]);
    expect(first.code).toBe(0);
    const fetched = PrefetchOutput.parse(JSON.parse(first.out));
    expect(fetched).toMatchObject({
      event_id: sim.demo.device.event_id,
      root: cacheDir,
      already_cached: 0,
      fetched: 3,
      failed: 0,
      complete: true,
    });
    expect(fetched.files.map((f) => f.result)).toEqual(['fetched', 'fetched', 'fetched']);
    expect(fetched.bytes_to_fetch).toBe(501_000);
    const again = PrefetchOutput.parse(
      JSON.parse((await cli(home, ['prefetch', '--json', '--seed', seed, '--cache-dir', cacheDir])).out),
    );
    expect(again).toMatchObject({ already_cached: 3, fetched: 0, bytes_to_fetch: 0, complete: true });

    const ready = await cli(home, ['cache', 'status', '--json', '--check', '--seed', seed, '--cache-dir', cacheDir]);
    expect(ready.code).toBe(0);
    const status = CacheStatusOutput.parse(JSON.parse(ready.out));
    expect(status).toMatchObject({
      root: cacheDir,
      exists: true,
      entries: 3,
      bytes: 501_000,
      ready: true,
      file_list_problem: null,
      event: { present: 3, missing: 0 },
    });

    const keynote = sim.demo.files.find((f) => f.filename === 'Keynote.pptx')!;
    const handle = await import('node:fs/promises').then((fs) => fs.open(entryPath(cacheDir, keynote.sha256), 'r+'));
    await handle.write(Buffer.from('bit rot'), 0, 7, 10);
    await handle.close();
    const verify = await cli(home, ['cache', 'verify', '--json', '--cache-dir', cacheDir]);
    expect(verify.code).toBe(1);
    const verified = CacheVerifyOutput.parse(JSON.parse(verify.out));
    expect(verified).toMatchObject({ root: cacheDir, exists: true, checked: 3, ok: 2 });
    // A file changed since it was verified is hashed again and set aside; the hash it has now is not always known.
    expect(verified.quarantined).toEqual([expect.objectContaining({ sha256: keynote.sha256 })]);

    const notReady = await cli(home, ['cache', 'status', '--json', '--check', '--seed', seed, '--cache-dir', cacheDir]);
    expect(notReady.code).toBe(1);
    expect(CacheStatusOutput.parse(JSON.parse(notReady.out))).toMatchObject({
      ready: false,
      event: { present: 2, missing: 1 },
    });
    const text = await cli(home, ['cache', 'status', '--check', '--seed', seed, '--cache-dir', cacheDir]);
    expect(text.code).toBe(1);
    expect(text.out).toContain('NOT ready: 1 file(s) missing');
    // Without a list there is no way to say "ready": --check fails, a plain status does not.
    expect((await cli(home, ['cache', 'status', '--check', '--cache-dir', cacheDir])).code).toBe(1);
    expect((await cli(home, ['cache', 'status', '--cache-dir', cacheDir])).code).toBe(0);
  });

  it('gc reports a small entry by its own size and the quarantine it cleared apart from entries', async () => {
    const { home, seed, cacheDir } = await setup();
    expect((await cli(home, ['prefetch', '--seed', seed, '--cache-dir', cacheDir])).code).toBe(0);
    const stray = Buffer.from('6bytes');
    const straySha = createHash('sha256').update(stray).digest('hex');
    await mkdir(path.dirname(entryPath(cacheDir, straySha)), { recursive: true });
    await writeFile(entryPath(cacheDir, straySha), stray);
    await mkdir(path.join(cacheDir, '.quarantine'), { recursive: true });
    await writeFile(
      path.join(cacheDir, '.quarantine', `${'a'.repeat(64)}.1764600000000.0123456789ab.bad`),
      randomBytes(1024 * 1024),
    );

    const dry = await cli(home, ['cache', 'gc', '--dry-run', '--json', '--seed', seed, '--cache-dir', cacheDir]);
    expect(dry.code).toBe(0);
    expect(CacheGcOutput.parse(JSON.parse(dry.out))).toEqual({
      root: cacheDir,
      exists: true,
      dry_run: true,
      removed: [{ sha256: straySha, bytes: 6 }],
      removed_bytes: 6,
      kept: 3,
      quarantine: { files: 1, bytes: 1024 * 1024 },
    });
    expect(await readFile(entryPath(cacheDir, straySha))).toEqual(stray);

    const human = await cli(home, ['cache', 'gc', '--seed', seed, '--cache-dir', cacheDir]);
    expect(human.code).toBe(0);
    expect(human.out).toContain(`removed ${straySha} (6 B)`);
    expect(human.out).toContain(': removed 1 entries (6 B), kept 3');
    expect(human.out).toContain('quarantine: cleared 1 file(s) (1.0 MiB)');
    await expect(readFile(entryPath(cacheDir, straySha))).rejects.toThrow();

    const nothing = CacheGcOutput.parse(
      JSON.parse((await cli(home, ['cache', 'gc', '--json', '--seed', seed, '--cache-dir', cacheDir])).out),
    );
    expect(nothing).toMatchObject({
      dry_run: false,
      removed: [],
      removed_bytes: 0,
      kept: 3,
      quarantine: { files: 0, bytes: 0 },
    });
  });

  it('doctor: the readiness verdict, the share, the hostname and the seed a waiting laptop looks for', async () => {
    const { home, seed, dir } = await setup();
    const share = path.join(dir, 'share');
    await mkdir(path.join(share, 'seeds'), { recursive: true });
    const run = await cli(home, ['doctor', '--json', '--seed', seed], { AETHER_SHARE: share });
    expect(run.code).toBe(0);
    const report = DoctorOutput.parse(JSON.parse(run.out));
    expect(report).toMatchObject({ ready: true, state: 'ready', share: { path: share, source: 'environment' } });
    expect(report.share.candidates.map((c) => c.source)).toEqual(['environment', 'home', 'sync-folder']);
    expect(report.hostname).toMatch(/^[a-z0-9-]+$/);
    expect(report.share_seed).toEqual({
      file: `seed_${report.hostname}.json`,
      path: path.join(share, 'seeds', `seed_${report.hostname}.json`),
      exists: false,
    });
  });

  it('provision, release and fleet status', async () => {
    const { home, dir } = await setup();
    const share = path.join(dir, 'share');
    await mkdir(share);
    const keyFile = path.join(dir, 'key');
    await writeFile(keyFile, 'k-123\n');
    const provisioned = await cli(home, [
      'provision',
      '--json',
      '--share',
      share,
      '--hostname',
      'Lectern-A.local',
      '--device',
      'dev1',
      '--api',
      'https://api.example-events.com/',
      '--key-file',
      keyFile,
    ]);
    expect(provisioned.code).toBe(0);
    expect(ProvisionOutput.parse(JSON.parse(provisioned.out))).toEqual({
      path: path.join(share, 'seeds', 'seed_lectern-a.json'),
      hostname: 'lectern-a',
      event_device_id: 'dev1',
      share,
      api_url: 'https://api.example-events.com',
      has_api_key: true,
      warnings: [],
    });
    expect(provisioned.out + provisioned.err).not.toContain('k-123');

    const build = path.join(dir, 'Aether-1.2.3-linux.AppImage');
    await writeFile(build, randomBytes(1000));
    const released = await cli(home, ['release', '--json', '--share', share, '--file', build]);
    expect(released.code).toBe(0);
    const release = ReleaseOutput.parse(JSON.parse(released.out));
    expect(release).toMatchObject({
      share,
      previous: null,
      release: { version: '1.2.3', file: 'Aether-1.2.3-linux.AppImage', size: 1000 },
    });
    expect(release.build_path).toBe(path.join(share, 'binaries', 'native_app', 'Aether-1.2.3-linux.AppImage'));

    await mkdir(path.join(share, 'status'));
    const now = new Date().toISOString();
    await writeFile(
      path.join(share, 'status', 'lectern-a.json'),
      JSON.stringify({
        hostname: 'lectern-a',
        event_device_id: 'dev1',
        app_version: '1.2.3',
        last_seen: now,
        state: 'ready',
        api: null,
        cache: { files: 3, bytes: 10, missing: 0 },
        update: { available: null, staged: null, last_error: null },
      }),
    );
    const fleet = await cli(home, ['fleet', 'status', '--json', '--share', share]);
    expect(fleet.code).toBe(0);
    const parsed = FleetStatusOutput.parse(JSON.parse(fleet.out));
    expect(parsed).toMatchObject({ share, problems: [], notes: [] });
    expect(parsed.laptops).toEqual([
      expect.objectContaining({ hostname: 'lectern-a', stale: false, age_ms: expect.any(Number) }),
    ]);
  });

  it('simulate --json: the URLs and a working seed in one object', async () => {
    const io = captureIo();
    const stop = new AbortController();
    const running = runSimulate(['--json'], io, stop.signal);
    for (let i = 0; i < 200 && !io.err().includes('Launcher page:'); i += 1)
      await new Promise((resolve) => setTimeout(resolve, 25));
    const out = SimulateOutput.parse(JSON.parse(io.out()));
    expect(out.api_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out.seed).toMatchObject({ event_device_id: out.event_device_id, primary_api_base_url: out.api_url });
    expect(out.launcher_url).toContain('/launcher/');
    expect((await fetch(`${out.api_url}/v3/health`)).ok).toBe(true);
    stop.abort();
    expect(await running).toBe(0);
  });

  it('a cache folder that is not there: --json says so and nothing is created', async () => {
    const { home, seed, cacheDir } = await setup();
    expect(
      CacheVerifyOutput.parse(
        JSON.parse((await cli(home, ['cache', 'verify', '--json', '--cache-dir', cacheDir])).out),
      ),
    ).toEqual({ root: cacheDir, exists: false, checked: 0, ok: 0, quarantined: [] });
    expect(
      CacheGcOutput.parse(
        JSON.parse((await cli(home, ['cache', 'gc', '--json', '--seed', seed, '--cache-dir', cacheDir])).out),
      ),
    ).toMatchObject({ exists: false, removed: [] });
    await expect(readFile(cacheDir)).rejects.toThrow(/ENOENT/);
    await rm(cacheDir, { recursive: true, force: true });
  });
});
