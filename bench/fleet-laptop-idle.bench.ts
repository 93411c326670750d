// Idle CPU of a laptop's share-side work: the app's fleet wiring (version watcher + status reporter) and
// the seed watcher in one process (support/fleet-laptop.ts --idle) on a populated share where nothing is
// to be staged, against an idle Node process with one timer under the same tsx loader (the baseline); both measure themselves with
// process.cpuUsage over the same window, after start-up settled. AETHER_BENCH_SECONDS (default 60).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const seconds = Number(process.env.AETHER_BENCH_SECONDS ?? 60);
const laptopScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 'fleet-laptop.ts');

function runChild(args: string[]): Promise<{ user: number; system: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('setpriv', ['--pdeathsig', 'TERM', process.execPath, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.includes('"idle"')) reject(new Error(`child exited ${code}: ${err.slice(-1_000)}`));
      else resolve(JSON.parse(line) as { user: number; system: number });
    });
  });
}

const root = await mkdtemp(path.join(os.tmpdir(), 'aether-bench-laptop-idle-'));
// Interrupted: the folder goes too (the children die with this process: setpriv --pdeathsig).
const onSignal = () => void rm(root, { recursive: true, force: true }).finally(() => process.exit(130));
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
try {
  const share = path.join(root, 'share');
  const app = path.join(share, 'binaries', 'native_app');
  await mkdir(app, { recursive: true });
  await mkdir(path.join(share, 'seeds'));
  await mkdir(path.join(share, 'status'));
  const build = Buffer.alloc(1 << 20, 7);
  await writeFile(path.join(app, 'Aether-1.0.0-linux-x64.AppImage'), build);
  // The installed version is the current one: nothing to stage, as on a laptop between releases.
  await writeFile(
    path.join(app, 'version.json'),
    JSON.stringify({
      version: '1.0.0',
      file: 'Aether-1.0.0-linux-x64.AppImage',
      sha256: createHash('sha256').update(build).digest('hex'),
      size: build.length,
    }),
  );
  for (let i = 0; i < 50; i++) {
    await writeFile(path.join(share, 'seeds', `seed_laptop-${i}.json`), '{"event_device_id":"x"}');
    await writeFile(path.join(share, 'status', `laptop-${i}.json`), '{}');
  }
  const baseline = `const s0=()=>new Promise(r=>setTimeout(r,3000));setInterval(()=>{},1000);await s0();const c=process.cpuUsage();await new Promise(r=>setTimeout(r,${seconds * 1000}));const u=process.cpuUsage(c);console.log(JSON.stringify({event:'idle',...u}));process.exit(0)`;
  const [idleNode, laptop] = await Promise.all([
    runChild(['--import', 'tsx', '--input-type=module', '-e', baseline]),
    runChild([
      '--import',
      'tsx',
      laptopScript,
      `--share=${share}`,
      `--install=${path.join(root, 'install')}`,
      `--idle=${seconds}`,
    ]),
  ]);
  const perMinute = (u: { user: number; system: number }) => ((u.user + u.system) / 1e6) * (60 / seconds);
  console.log(`idle CPU over ${seconds} s (process.cpuUsage, user + system), CPU-seconds per minute`);
  console.log(`baseline: idle Node (tsx), one timer            ${perMinute(idleNode).toFixed(4)}`);
  console.log(
    `laptop share side (fleet wiring + seed watcher) ${perMinute(laptop).toFixed(4)}  (${(perMinute(laptop) / perMinute(idleNode)).toFixed(1)}× baseline, ${((perMinute(laptop) / 60) * 100).toFixed(3)} % of one core)`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
