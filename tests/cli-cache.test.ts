import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../apps/cli/main';
import { startSimulator, type Simulator } from '../apps/simulator/index';
import { captureIo } from './cli-io-helpers';
import { listTree, makeTempDir } from './launch-fixtures';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let sim: Simulator;
let base: string;
let home: string;
let cacheDir: string;
let seedFile: string;

async function cli(args: string[], { tty = false } = {}): Promise<Run> {
  // A fresh HOME: nothing on this machine's real seed or cache folders can leak into a test.
  const io = captureIo({ HOME: home }, { tty });
  const code = await main(args, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

async function sha256OfFile(file: string): Promise<string> {
  return createHash('sha256')
    .update(await fs.readFile(file))
    .digest('hex');
}

function entryPath(sha256: string): string {
  return path.join(cacheDir, sha256.slice(0, 2), `${sha256}.file`);
}

beforeAll(async () => {
  sim = await startSimulator();
});

afterAll(async () => {
  await sim.close();
});

beforeEach(async () => {
  base = await makeTempDir('cli-cache');
  home = path.join(base, 'home');
  cacheDir = path.join(base, 'cache');
  await fs.mkdir(home);
  seedFile = path.join(base, 'seed.json');
  await fs.writeFile(seedFile, JSON.stringify(sim.demoSeed()));
  sim.faults.clear();
});

afterEach(async () => {
  await fs.rm(base, { recursive: true, force: true });
});

describe('aether-native prefetch', () => {
  it('fills the cache with every event file, verified, with plain progress lines when not a terminal', async () => {
    const run = await cli(['prefetch', '--seed', seedFile, '--cache-dir', cacheDir]);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const file of sim.demo.files) {
      expect(run.stdout).toContain(`✓ ${file.filename}`);
      expect(await sha256OfFile(entryPath(file.sha256))).toBe(file.sha256);
    }
    expect(run.stdout).toContain(`all ${sim.demo.files.length} files present and verified in ${cacheDir}`);
    expect(run.stdout).not.toContain('\x1b[');
    expect(await listTree(home)).toEqual([]);
  });

  it('finds nothing to fetch the second time', async () => {
    expect((await cli(['prefetch', '--seed', seedFile, '--cache-dir', cacheDir])).code).toBe(0);
    const before = sim.stats.requests('/v3/files/');
    const again = await cli(['prefetch', '--seed', seedFile, '--cache-dir', cacheDir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${sim.demo.files.length} already cached, 0 B to fetch`);
    expect(sim.stats.requests('/v3/files/')).toBe(before);
  });

  it('redraws live bars with throughput and ETA on a terminal', async () => {
    const run = await cli(['prefetch', '--seed', seedFile, '--cache-dir', cacheDir], { tty: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/(?:\x1b\[2K\x1b\[1A)+\x1b\[2K\x1b\[G/);
    expect(run.stdout).toMatch(/total \[[#-]{4,24}\] +\d+% .* MiB\/s +ETA \d+:\d\d/);
  });

  it('exits 1 naming the file the API does not serve, after fetching the others', async () => {
    const keynote = sim.demo.files.find((f) => f.filename === 'Keynote.pptx')!;
    sim.faults.set({ status: 404, match: new RegExp(`/v3/files/${keynote.sha256}`) });

    const run = await cli(['prefetch', '--seed', seedFile, '--cache-dir', cacheDir]);

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✗ Keynote\.pptx: /);
    expect(run.stderr).toContain(`1 of ${sim.demo.files.length} files could not be fetched (Keynote.pptx)`);
    await expect(fs.stat(entryPath(keynote.sha256))).rejects.toThrow();
    for (const other of sim.demo.files.filter((f) => f !== keynote))
      expect(await sha256OfFile(entryPath(other.sha256))).toBe(other.sha256);
  });

  it('runs the whole demo with its own simulator', async () => {
    const run = await cli(['prefetch', '--demo', '--cache-dir', cacheDir]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^demo: simulator on http:\/\/127\.0\.0\.1:\d+\n$/);
    expect(run.stdout).toContain('files present and verified');
  });

  it('--demo without --cache-dir leaves the real cache alone', async () => {
    const run = await cli(['prefetch', '--demo']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('demo: into a temporary cache, removed at the end');
    const root = /into (\S+):/.exec(run.stdout)?.[1];
    expect(root).toMatch(/aether-demo-[^/]*\/cache/);
    await expect(fs.stat(root!)).rejects.toThrow();
    expect(await listTree(home)).toEqual([]);
  });

  it('explains a missing seed and an unusable one without a stack trace', async () => {
    const none = await cli(['prefetch', '--cache-dir', cacheDir]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no seed.json found; pass --seed PATH');

    const gone = await cli(['prefetch', '--seed', path.join(base, 'nope.json'), '--cache-dir', cacheDir]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/does not exist/);
    expect(gone.stderr).not.toMatch(/\n\s+at /);

    expect((await cli(['prefetch', '--demo', '--seed', seedFile])).code).toBe(2);
  });
});

describe('aether-native cache', () => {
  it('status --json compares the cache with the device file list', async () => {
    const keynote = sim.demo.files.find((f) => f.filename === 'Keynote.pptx')!;
    sim.faults.set({ status: 404, match: new RegExp(`/v3/files/${keynote.sha256}`) });
    await cli(['prefetch', '--seed', seedFile, '--cache-dir', cacheDir]);
    sim.faults.clear();

    const run = await cli(['cache', 'status', '--json', '--seed', seedFile, '--cache-dir', cacheDir]);

    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      entries: number;
      bytes: number;
      event: { present: number; missing: number; files: { filename: string; state: string }[] };
    };
    expect(report.entries).toBe(sim.demo.files.length - 1);
    expect(report.bytes).toBe(sim.demo.files.reduce((sum, f) => sum + f.size, 0) - keynote.size);
    expect(report.event.present).toBe(sim.demo.files.length - 1);
    expect(report.event.missing).toBe(1);
    expect(report.event.files.find((f) => f.filename === 'Keynote.pptx')?.state).toBe('missing');
  });

  it('status without a seed still reports entries and bytes, and says how to get the list', async () => {
    await fs.mkdir(cacheDir);
    const run = await cli(['cache', 'status', '--cache-dir', cacheDir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`cache ${cacheDir}: 0 entries, 0 B`);
    expect(run.stdout).toContain('pass --seed PATH');
  });

  it('verify quarantines a corrupted entry, exits 1, and the next verify is clean', async () => {
    await cli(['prefetch', '--seed', seedFile, '--cache-dir', cacheDir]);
    const victim = sim.demo.files.find((f) => f.filename === 'Welcome.key')!;
    const handle = await fs.open(entryPath(victim.sha256), 'r+');
    await handle.write(Buffer.from('bit rot'), 0, 7, 100);
    await handle.close();

    const bad = await cli(['cache', 'verify', '--cache-dir', cacheDir]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`BAD ${victim.sha256}`);
    expect(bad.stdout).toContain(`${sim.demo.files.length - 1} ok, 1 quarantined`);
    await expect(fs.stat(entryPath(victim.sha256))).rejects.toThrow();

    const clean = await cli(['cache', 'verify', '--cache-dir', cacheDir]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('0 quarantined');
  });

  it('gc removes what is not in the current list and never a file that is', async () => {
    await cli(['prefetch', '--seed', seedFile, '--cache-dir', cacheDir]);
    const stray = Buffer.from('an old event file nobody lists any more');
    const straySha = createHash('sha256').update(stray).digest('hex');
    await fs.mkdir(path.dirname(entryPath(straySha)), { recursive: true });
    await fs.writeFile(entryPath(straySha), stray);

    const dry = await cli(['cache', 'gc', '--dry-run', '--seed', seedFile, '--cache-dir', cacheDir]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`would remove ${straySha}`);
    expect(await fs.readFile(entryPath(straySha))).toEqual(stray);

    const run = await cli(['cache', 'gc', '--seed', seedFile, '--cache-dir', cacheDir]);
    expect(run.code).toBe(0);
    await expect(fs.stat(entryPath(straySha))).rejects.toThrow();
    for (const file of sim.demo.files) expect(await sha256OfFile(entryPath(file.sha256))).toBe(file.sha256);
  });

  it('gc with a keep list keeps exactly those entries', async () => {
    await cli(['prefetch', '--seed', seedFile, '--cache-dir', cacheDir]);
    const [kept, ...others] = sim.demo.files;
    const keepList = path.join(base, 'keep.txt');
    await fs.writeFile(keepList, `# tomorrow's room\n${kept!.sha256}\n\n`);

    const run = await cli(['cache', 'gc', '--keep-list', keepList, '--cache-dir', cacheDir]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`removed ${others.length} entries`);
    expect(await sha256OfFile(entryPath(kept!.sha256))).toBe(kept!.sha256);
    for (const other of others) await expect(fs.stat(entryPath(other.sha256))).rejects.toThrow();
  });

  it('gc refuses to guess: no seed and no keep list removes nothing', async () => {
    await cli(['prefetch', '--seed', seedFile, '--cache-dir', cacheDir]);
    const run = await cli(['cache', 'gc', '--cache-dir', cacheDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('gc needs the current file list');
    for (const file of sim.demo.files) expect(await sha256OfFile(entryPath(file.sha256))).toBe(file.sha256);
  });

  it.each([
    ['../../etc/passwd', 'line 1'],
    [`${'a'.repeat(64)}\nNOT-A-HASH`, 'line 2'],
    ['A'.repeat(64), 'line 1'],
  ])('gc refuses the keep list %j, naming the bad line', async (content, where) => {
    const keepList = path.join(base, 'keep.txt');
    await fs.writeFile(keepList, content);
    const run = await cli(['cache', 'gc', '--keep-list', keepList, '--cache-dir', cacheDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(where);
  });

  it('creates nothing when pointed at a cache folder that does not exist', async () => {
    const status = await cli(['cache', 'status', '--json', '--seed', seedFile, '--cache-dir', cacheDir]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      entries: 0,
      bytes: 0,
      event: { present: 0, missing: sim.demo.files.length },
    });
    expect((await cli(['cache', 'verify', '--cache-dir', cacheDir])).stdout).toContain('nothing to verify');
    expect((await cli(['cache', 'gc', '--seed', seedFile, '--cache-dir', cacheDir])).stdout).toContain(
      'nothing to remove',
    );
    await expect(fs.stat(cacheDir)).rejects.toThrow();
  });

  it('answers an unknown subcommand or option with usage and exit 2', async () => {
    expect((await cli(['cache', 'explode'])).code).toBe(2);
    expect((await cli(['cache'])).code).toBe(2);
    const bad = await cli(['cache', 'status', '--frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('usage: aether-native cache status');
  });
});
