// Idle cost of watching a share: process CPU time (process.cpuUsage) over a quiet window, for an idle
// Node process with one timer (the baseline) and for the version watcher plus a seed watcher on a
// populated share, each in its own child process. AETHER_BENCH_SECONDS shortens the window (default 60).
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../base/logger';
import { createShareWatcher } from '../provisioning/share-watcher';
import { createVersionWatcher } from '../update-helper/version-watcher';

const seconds = Number(process.env.AETHER_BENCH_SECONDS ?? 60);
const mode = process.argv.find((a) => a.startsWith('--child='))?.slice('--child='.length);

async function populatedShare(): Promise<string> {
  const share = await mkdtemp(path.join(os.tmpdir(), 'aether-bench-share-'));
  const app = path.join(share, 'binaries', 'native_app');
  await mkdir(path.join(app, '.stversions'), { recursive: true });
  await mkdir(path.join(share, 'seeds'));
  await writeFile(path.join(app, 'Aether-0.9.0.AppImage'), Buffer.alloc(1 << 20));
  await writeFile(
    path.join(app, 'version.json'),
    JSON.stringify({ version: '0.9.0', file: 'Aether-0.9.0.AppImage', sha256: '0'.repeat(64), size: 1 << 20 }),
  );
  await writeFile(path.join(app, '.syncthing.Aether-1.0.0.AppImage.tmp'), Buffer.alloc(4096));
  for (let i = 0; i < 50; i++)
    await writeFile(path.join(share, 'seeds', `seed_laptop-${i}.json`), '{"event_device_id":"x"}');
  return share;
}

async function child(kind: string): Promise<void> {
  let close = async () => undefined as unknown;
  let share: string | null = null;
  if (kind === 'watcher') {
    share = await populatedShare();
    const logger = silentLogger();
    const versions = createVersionWatcher({
      target: 'linux-x64',
      shareRoot: share,
      appVersion: '1.0.0',
      hostname: 'bench',
      logger,
      stage: async () => {
        throw new Error('nothing is staged in an idle benchmark');
      },
      applyStagedUpdate: async () => undefined,
    });
    const seeds = createShareWatcher({
      dir: path.join(share, 'seeds'),
      accept: (n) => n === 'seed_bench.json',
      logger,
      onSnapshot: () => undefined,
    });
    await versions.start();
    await seeds.start();
    close = () => Promise.all([versions.close(), seeds.close()]);
  }
  // The window starts once everything is set up and start-up work (module loading, GC) has settled.
  await new Promise((r) => setTimeout(r, 2000));
  const start = process.cpuUsage();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const used = process.cpuUsage(start);
  await close();
  if (share) await rm(share, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify({ kind, userUs: used.user, systemUs: used.system })}\n`);
}

function run(kind: string): { userUs: number; systemUs: number } {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, `--child=${kind}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${kind} child failed: ${r.stderr}`);
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as { userUs: number; systemUs: number };
}

if (mode) {
  await child(mode);
} else {
  console.log(`idle CPU over ${seconds} s (process.cpuUsage, user + system)`);
  const baseline = run('baseline');
  const watcher = run('watcher');
  const ms = (u: { userUs: number; systemUs: number }) => (u.userUs + u.systemUs) / 1000;
  const pct = (u: { userUs: number; systemUs: number }) => ((ms(u) / (seconds * 1000)) * 100).toFixed(3);
  console.log(
    `baseline (idle node, one timer):        ${ms(baseline).toFixed(1)} ms CPU (${pct(baseline)} % of one core)`,
  );
  console.log(
    `version + seed watchers on a share:     ${ms(watcher).toFixed(1)} ms CPU (${pct(watcher)} % of one core)`,
  );
  console.log(`watcher - baseline: ${(ms(watcher) - ms(baseline)).toFixed(1)} ms over ${seconds} s`);
}
