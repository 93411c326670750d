// How a release through Syncthing grows with the fleet: an ops node and N laptop nodes on loopback
// (real Syncthing daemons, one shared folder), each laptop with its share-side process (the app's fleet
// wiring: version watcher with real staging next to an installed AppImage, status reporter, seed watcher).
// Per N and round: a fresh 100 MB build is released on the ops node with the real `release` command; the
// time is from the command returning to every laptop having verified and staged it. CPU-seconds over that
// window and peak RSS come from /proc: the ops node's Syncthing (monitor + worker), and per laptop its
// Syncthing plus its share-side process. The baseline is `cp` of the same build on the same disk.
//   FLEET_GROWTH_N=1,2,4,8  FLEET_GROWTH_ROUNDS=3  FLEET_GROWTH_MB=100  FLEET_GROWTH_BUDGET_S=1500
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../apps/cli/main';
import { startSyncthingFleet, type SyncthingFleet } from '../tests/support/syncthing';
import { median, pidsWithArgument, procUsageOf, spread } from './support/proc-usage';

const sizes = (process.env.FLEET_GROWTH_N ?? '1,2,4,8').split(',').map(Number);
const rounds = Number(process.env.FLEET_GROWTH_ROUNDS ?? 3);
const megabytes = Number(process.env.FLEET_GROWTH_MB ?? 100);
const budgetMs = Number(process.env.FLEET_GROWTH_BUDGET_S ?? 1500) * 1000;
const roundTimeoutMs = 600_000;
const startedAt = Date.now();
const laptopScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 'fleet-laptop.ts');

interface Laptop {
  name: string;
  child: ChildProcess;
  staged: Map<string, number>;
  failures: string[];
  exited: Promise<void>;
}

const quietIo = () => {
  let out = '';
  let err = '';
  return {
    stdout: new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) }),
    stderr: new Writable({ write: (c, _e, cb) => ((err += String(c)), cb()) }),
    env: {},
    text: () => `${out}${err}`.trim(),
  };
};

async function ops(args: string[]): Promise<void> {
  const io = quietIo();
  const code = await main(args, io);
  if (code !== 0) throw new Error(`aether-native ${args[0]} exited ${code}: ${io.text().slice(0, 400)}`);
}

function startLaptop(root: string, name: string, share: string): Promise<Laptop> {
  // setpriv: a killed benchmark takes its laptops down with it.
  const child = spawn(
    'setpriv',
    [
      '--pdeathsig',
      'TERM',
      process.execPath,
      '--import',
      'tsx',
      laptopScript,
      `--share=${share}`,
      `--install=${path.join(root, `install-${name}`)}`,
      `--hostname=${name}`,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const laptop: Laptop = {
    name,
    child,
    staged: new Map(),
    failures: [],
    exited: new Promise((resolve) => child.once('exit', () => resolve())),
  };
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = `${stderr}${c.toString()}`.slice(-2_000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`laptop ${name} did not start within 60 s: ${stderr}`));
    }, 60_000);
    child.once('exit', (code) => reject(new Error(`laptop ${name} exited ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as { event: string; version?: string; at?: number };
      if (message.event === 'ready') {
        clearTimeout(timer);
        resolve(laptop);
      }
      if (message.event === 'staged') laptop.staged.set(message.version!, message.at!);
      if (message.event === 'failed') laptop.failures.push(line);
    });
  });
}

async function stopLaptop(laptop: Laptop): Promise<void> {
  laptop.child.stdin!.end();
  const done = await Promise.race([
    laptop.exited.then(() => true),
    new Promise((r) => setTimeout(() => r(false), 10_000)),
  ]);
  if (!done) {
    laptop.child.kill('SIGKILL');
    await laptop.exited;
  }
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface RoundResult {
  seconds: number;
  opsCpu: number;
  laptopCpu: number[];
  laptopSyncthingCpu: number[];
  laptopWatcherCpu: number[];
}

async function measure(
  n: number,
): Promise<{ results: RoundResult[]; opsPeak: number; laptopPeak: Array<{ syncthing: number; watcher: number }> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), `aether-bench-fleet-${n}-`));
  const laptops: Laptop[] = [];
  let fleet: SyncthingFleet | null = null;
  const cleanup = async () => {
    await Promise.all(laptops.map(stopLaptop));
    await fleet?.stop();
    await rm(root, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const names = Array.from({ length: n }, (_, i) => `laptop-${i + 1}`);
    fleet = await startSyncthingFleet({ root, nodes: [{ name: 'ops' }, ...names.map((name) => ({ name }))] });
    const home = (name: string) => `--home=${path.join(root, `st-${name}`)}`;
    const opsPids = await pidsWithArgument(home('ops'));
    const laptopPids = await Promise.all(names.map((name) => pidsWithArgument(home(name))));
    for (const name of names) laptops.push(await startLaptop(root, name, fleet.node(name).folder));
    const watcherPid = (l: Laptop) => l.child.pid!; // setpriv execs node: the same pid.
    const builds = path.join(root, 'builds');
    await mkdir(builds);
    const results: RoundResult[] = [];
    for (let round = 0; round < rounds; round++) {
      if (round > 0 && Date.now() - startedAt > budgetMs) {
        console.log(`  N=${n}: time budget spent after ${round} rounds`);
        break;
      }
      const version = `1.${round + 1}.0`;
      const build = path.join(builds, `Aether-${version}-linux-x64.AppImage`);
      await writeFile(build, randomBytes(megabytes * 1024 * 1024));
      const before = await Promise.all([
        procUsageOf(opsPids),
        ...laptopPids.map((pids) => procUsageOf(pids)),
        ...laptops.map((l) => procUsageOf([watcherPid(l)])),
      ]);
      await ops(['release', '--share', fleet.node('ops').folder, '--file', build, '--version', version]);
      const released = Date.now();
      await until(
        `every laptop to stage ${version}`,
        () => {
          const failed = laptops.find((l) => l.failures.length);
          if (failed) throw new Error(`${failed.name} failed: ${failed.failures.join('\n')}`);
          return laptops.every((l) => l.staged.has(version));
        },
        roundTimeoutMs,
      );
      const last = Math.max(...laptops.map((l) => l.staged.get(version)!));
      const after = await Promise.all([
        procUsageOf(opsPids),
        ...laptopPids.map((pids) => procUsageOf(pids)),
        ...laptops.map((l) => procUsageOf([watcherPid(l)])),
      ]);
      const cpu = (i: number) => after[i]!.cpuSeconds - before[i]!.cpuSeconds;
      const st = names.map((_, i) => cpu(1 + i));
      const watcher = names.map((_, i) => cpu(1 + n + i));
      results.push({
        seconds: (last - released) / 1000,
        opsCpu: cpu(0),
        laptopSyncthingCpu: st,
        laptopWatcherCpu: watcher,
        laptopCpu: st.map((s, i) => s + watcher[i]!),
      });
      console.log(
        `  N=${n} round ${round + 1}: ${((last - released) / 1000).toFixed(1)} s to every laptop staged; ` +
          `ops Syncthing ${cpu(0).toFixed(1)} CPU-s; per laptop Syncthing ${spread(st, 1)} + watcher ${spread(watcher, 1)} CPU-s`,
      );
      // Between rounds (untimed): keep one build in the share and let every node settle.
      await rm(build);
      await ops(['release', '--prune', '1', '--share', fleet.node('ops').folder]);
      await fleet.waitUntilInSync(300_000);
    }
    const opsPeak = (await procUsageOf(opsPids)).peakRssMiB;
    const laptopPeak = await Promise.all(
      laptops.map(async (l, i) => ({
        syncthing: (await procUsageOf(laptopPids[i]!)).peakRssMiB,
        watcher: (await procUsageOf([watcherPid(l)])).peakRssMiB,
      })),
    );
    return { results, opsPeak, laptopPeak };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

async function copyBaseline(): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aether-bench-cp-'));
  try {
    await writeFile(path.join(dir, 'a'), randomBytes(megabytes * 1024 * 1024));
    const t = Date.now();
    const r = spawnSync('cp', [path.join(dir, 'a'), path.join(dir, 'b')]);
    if (r.status !== 0) throw new Error('cp failed');
    return (Date.now() - t) / 1000;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(
  `fleet growth: a ${megabytes} MB release from the ops node to N laptops through Syncthing (${rounds} rounds per N)`,
);
const cp = median([await copyBaseline(), await copyBaseline(), await copyBaseline()]);
console.log(`baseline: cp of the build ${cp.toFixed(2)} s`);
const summary: string[] = [];
let failed = false;
for (const n of sizes) {
  if (Date.now() - startedAt > budgetMs) {
    summary.push(`| ${n} | not measured: time budget spent |`);
    continue;
  }
  try {
    const { results, opsPeak, laptopPeak } = await measure(n);
    const seconds = results.map((r) => r.seconds);
    const perLaptop = results.map((r) => median(r.laptopCpu));
    summary.push(
      `| ${n} | ${results.length} | ${spread(seconds, 1)} | ${(median(seconds) / cp).toFixed(0)}× | ` +
        `${spread(
          results.map((r) => r.opsCpu),
          1,
        )} | ${opsPeak.toFixed(0)} | ` +
        `${spread(
          results.map((r) => median(r.laptopSyncthingCpu)),
          1,
        )} + ${spread(
          results.map((r) => median(r.laptopWatcherCpu)),
          1,
        )} = ${spread(perLaptop, 1)} | ` +
        `${median(laptopPeak.map((p) => p.syncthing)).toFixed(0)} + ${median(laptopPeak.map((p) => p.watcher)).toFixed(0)} |`,
    );
  } catch (err) {
    failed = true;
    summary.push(`| ${n} | failed: ${(err as Error).message.split('\n')[0]} |`);
    console.error(err);
  }
}
console.log(
  '\n| N | rounds | release → all staged, s | × cp | ops Syncthing CPU-s | ops peak RSS MiB | per laptop CPU-s (Syncthing + watcher = total) | per laptop peak RSS MiB (Syncthing + watcher) |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const line of summary) console.log(line);
process.exit(failed ? 1 : 0);
