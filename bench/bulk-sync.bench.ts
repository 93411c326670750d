// Bulk sync of 500 files of 1 MB served by the simulator: our sync loop (concurrency 4) against
// `curl --parallel --parallel-max 4` fetching the same URLs; for reference, the same curl followed by
// `sync --file-system` (its files made durable), and two bare downloaders (bare-node-fetch.ts: no
// flush, no rename): plain node:http, and the cache's own HTTP client. The
// simulator and every contender run in their own process (the node ones bundled, as the app is);
// rounds rotate the order, each run follows the same untimed write-flush-delete
// (support/level-start.ts), and no run's files are deleted before the end: ext4 without a journal (as
// here) checks every new inode against those freed in the last 30 s, so a run that follows the
// deletion of 500 files pays for it (docs/BENCHMARKS.md); figures are medians.
// `npm run bench -- bulk-sync`; AETHER_BENCH_FILES=n, AETHER_BENCH_ROUNDS=n.
import { execFile } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bundleScript, median } from './support/bundle';
import { levelStart } from './support/level-start';
import { startSimulatorProcess } from './support/simulator-process';

const FILES = Number(process.env.AETHER_BENCH_FILES ?? 500);
const ROUNDS = Number(process.env.AETHER_BENCH_ROUNDS ?? 3);
const SIZE = 1_000_000;
const CONCURRENCY = 4;
const CHILD = fileURLToPath(new URL('./bulk-sync-child.ts', import.meta.url));
const run = promisify(execFile);

const work = await mkdtemp(path.join(os.tmpdir(), 'aether-bulk-'));
const bundled = await bundleScript(CHILD);
const sim = await startSimulatorProcess({ generated: { count: FILES, size: SIZE } });
try {
  const config = sim.files
    .map((f, i) => `url = "${sim.url}/v3/files/${f.sha256}"\noutput = "${path.join(work, 'curl', `${i}.bin`)}"\n`)
    .join('');
  await writeFile(path.join(work, 'curl.cfg'), `header = "X-Api-Key: ${sim.apiKey}"\ncreate-dirs\n${config}`);
  const listFile = path.join(work, 'list.json');
  await writeFile(listFile, JSON.stringify(sim.files));

  const curlRuns: number[] = [];
  const ourRuns: number[] = [];
  const bareRuns: number[] = [];
  const bareClientRuns: number[] = [];
  const curlSyncRuns: number[] = [];
  const curlRun = async (runs: number[], durable: boolean) => {
    const out = path.join(work, 'curl');
    const started = performance.now();
    await run(
      'curl',
      ['-sS', '--fail', '--parallel', '--parallel-max', String(CONCURRENCY), '-K', path.join(work, 'curl.cfg')],
      { maxBuffer: 1 << 24 },
    );
    // One syncfs for all 500 files: the cheapest way to make them durable (the level start left nothing else dirty).
    if (durable) await run('sync', ['--file-system', out]);
    runs.push((performance.now() - started) / 1000);
    await rename(out, path.join(work, `kept-curl-${curlRuns.length + curlSyncRuns.length}`));
  };
  const curl = () => curlRun(curlRuns, false);
  const curlSync = () => curlRun(curlSyncRuns, true);
  const node = async (runs: number[], name: string, extra: string[]) => {
    const root = path.join(work, `kept-${name}-${runs.length + 1}`);
    const { stdout } = await run(
      process.execPath,
      [bundled, sim.url, sim.apiKey, root, String(CONCURRENCY), listFile, ...extra],
      { encoding: 'utf8' },
    );
    runs.push((JSON.parse(stdout.trim().split('\n').pop()!) as { seconds: number }).seconds);
  };
  const ours = () => node(ourRuns, 'aether', []);
  const bare = () => node(bareRuns, 'bare', ['bare']);
  const bareClient = () => node(bareClientRuns, 'bare-client', ['bare-client']);
  const levelBytes = Math.ceil(FILES * SIZE * 1.2);
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = [curl, curlSync, bare, bareClient, ours];
    for (let i = 0; i < order.length; i += 1) {
      const contender = order[(round + i) % order.length]!;
      await levelStart(work, levelBytes);
      await contender();
    }
  }
  const mib = (FILES * SIZE) / (1024 * 1024);
  const c = median(curlRuns);
  const o = median(ourRuns);
  const b = median(bareRuns);
  const cs = median(curlSyncRuns);
  const bc = median(bareClientRuns);
  const runs = (xs: number[]) => xs.map((s) => s.toFixed(2)).join(', ');
  console.log(
    `${FILES} files of 1 MB, concurrency ${CONCURRENCY}, loopback, simulator in its own process, ${ROUNDS} rounds, medians`,
  );
  console.log(`curl --parallel   ${c.toFixed(2)} s  ${(mib / c).toFixed(0)} MiB/s  (runs: ${runs(curlRuns)} s)`);
  console.log(
    `curl + sync -f    ${cs.toFixed(2)} s  ${(mib / cs).toFixed(0)} MiB/s  (runs: ${runs(curlSyncRuns)} s)  the files made durable, no hashing`,
  );
  console.log(
    `bare node:http    ${b.toFixed(2)} s  ${(mib / b).toFixed(0)} MiB/s  (runs: ${runs(bareRuns)} s)  hash, no flush, no rename`,
  );
  console.log(
    `bare cache client ${bc.toFixed(2)} s  ${(mib / bc).toFixed(0)} MiB/s  (runs: ${runs(bareClientRuns)} s)  the cache's HTTP client, hash, no flush, no rename`,
  );
  console.log(`aether sync loop  ${o.toFixed(2)} s  ${(mib / o).toFixed(0)} MiB/s  (runs: ${runs(ourRuns)} s)`);
  console.log(`ratio (curl time / ours) ${(c / o).toFixed(2)}x  (goal >= 0.8)`);
  console.log(`ratio (curl time / bare node) ${(c / b).toFixed(2)}x  (reference: what Node itself reaches here)`);
  console.log(
    `ratio (curl time / bare cache client) ${(c / bc).toFixed(2)}x  (reference: the cache's transport without durability)`,
  );
  console.log(`ratio (curl + sync -f time / ours) ${(cs / o).toFixed(2)}x  (reference: the same durability)`);
} finally {
  await sim.close();
  await rm(work, { recursive: true, force: true });
  await rm(path.dirname(bundled), { recursive: true, force: true });
}
