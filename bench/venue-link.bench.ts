// What a room sees over a real venue link: nginx (sendfile, `/v3/files/<sha256>`) in its own network
// namespace behind a veth pair shaped with tbf (support/venue-link.ts), the contenders in the other
// namespace: `curl --parallel --parallel-max 4` and ours (the cache's sync loop, concurrency 4, the
// bulk-sync child bundled), each in its own process. Per rate, two workloads: a set of 1 MB files and
// one large file; rounds rotate the order, each run follows the same untimed write-flush-delete
// (support/level-start.ts) and keeps its files until the workload ends. Reported: time to ready
// (medians and spread), throughput against the shaped rate, ours against curl, and each contender's
// user + system CPU-seconds as a share of one core during the transfer (and the server's CPU).
// No round-trip delay: that needs a TUN forwarder (../shared/recipes/shaped-link.md), not built yet.
// `npm run bench -- venue-link` (root: namespaces, tc, nginx). AETHER_BENCH_ROUNDS=n (3);
// AETHER_BENCH_RATES=100,1000; at 100 Mbit/s AETHER_BENCH_SLOW_FILES (100) × 1 MB and one
// AETHER_BENCH_SLOW_BIG_MB (200) file; at 1 Gbit/s AETHER_BENCH_FAST_FILES (200) and
// AETHER_BENCH_FAST_BIG_MB (500). Defaults keep the whole bench at about 5 minutes on this machine.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleScript } from './support/bundle';
import { childRun, curlRun, fmt, spread, type ContenderContext, type Run } from './support/file-contenders';
import { levelStart } from './support/level-start';
import { startNginx } from './support/nginx-server';
import { flushServedFiles, writeServedFile, writeServedFiles, type GeneratedFile } from './support/served-files';
import { createVenueLink } from './support/venue-link';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = env('AETHER_BENCH_ROUNDS', 3);
const RATES = (process.env.AETHER_BENCH_RATES ?? '100,1000').split(',').map(Number);
const MB = 1_000_000;
const CONCURRENCY = 4;
const sizesAt = (mbit: number) =>
  mbit < 1000
    ? { files: env('AETHER_BENCH_SLOW_FILES', 100), bigMb: env('AETHER_BENCH_SLOW_BIG_MB', 200) }
    : { files: env('AETHER_BENCH_FAST_FILES', 200), bigMb: env('AETHER_BENCH_FAST_BIG_MB', 500) };
const CHILD = fileURLToPath(new URL('./bulk-sync-child.ts', import.meta.url));

const work = await mkdtemp(path.join(os.tmpdir(), 'aether-venue-'));
const served = path.join(work, 'served');
const bundled = await bundleScript(CHILD);
try {
  const maxFiles = Math.max(...RATES.map((r) => sizesAt(r).files));
  const set = await writeServedFiles(served, maxFiles, MB);
  const bigs = new Map<number, GeneratedFile>();
  for (const mb of new Set(RATES.map((r) => sizesAt(r).bigMb))) bigs.set(mb, await writeServedFile(served, mb * MB));
  await flushServedFiles(served);

  const link = await createVenueLink();
  try {
    const nginx = await startNginx({
      root: served,
      host: link.serverAddress,
      port: 8080,
      netns: link.serverNs,
      probeSha256: set[0]!.sha256,
      probeNetns: link.clientNs,
    });
    try {
      for (const mbit of RATES) {
        await link.shape(mbit);
        const { files, bigMb } = sizesAt(mbit);
        const workloads = [
          { name: `${files} × 1 MB`, files: set.slice(0, files) },
          { name: `1 × ${bigMb} MB`, files: [bigs.get(bigMb)!] },
        ];
        for (const workload of workloads) {
          const bytes = workload.files.reduce((sum, f) => sum + f.size, 0);
          const runs = { curl: [] as Run[], ours: [] as Run[] };
          const runsDir = path.join(work, 'runs');
          await mkdir(runsDir, { recursive: true });
          let n = 0;
          const ctx = (): ContenderContext => ({
            url: nginx.url,
            files: workload.files,
            concurrency: CONCURRENCY,
            out: path.join(runsDir, `run-${(n += 1)}`),
            netns: link.clientNs,
            childBundle: bundled,
            work,
          });
          const measured = (into: Run[], contender: () => Promise<Omit<Run, 'serverCpuSeconds'>>) => async () => {
            const serverBefore = nginx.workerCpuSeconds();
            const result = await contender();
            into.push({ ...result, serverCpuSeconds: nginx.workerCpuSeconds() - serverBefore });
          };
          const contenders = [
            measured(runs.curl, () => curlRun(ctx(), false)),
            measured(runs.ours, () => childRun(ctx(), 'ours')),
          ];
          for (let round = 0; round < ROUNDS; round += 1) {
            for (let i = 0; i < contenders.length; i += 1) {
              await levelStart(work, Math.ceil(bytes * 1.2));
              await contenders[(round + i) % contenders.length]!();
            }
          }
          await rm(runsDir, { recursive: true, force: true });
          report(mbit, workload.name, bytes, runs);
        }
      }
    } finally {
      await nginx.close();
    }
  } finally {
    await link.close();
  }
} finally {
  await rm(work, { recursive: true, force: true });
  await rm(path.dirname(bundled), { recursive: true, force: true });
}

function report(mbit: number, name: string, bytes: number, runs: { curl: Run[]; ours: Run[] }): void {
  const line = (label: string, rs: Run[]) => {
    const t = spread(rs.map((r) => r.seconds));
    const cpu = spread(rs.map((r) => r.cpuSeconds));
    const share = spread(rs.map((r) => (100 * r.cpuSeconds) / r.seconds));
    const server = spread(rs.map((r) => r.serverCpuSeconds));
    const rateMbit = (bytes * 8) / 1e6 / t.median;
    console.log(
      `${label} ${fmt(t)} s  ${rateMbit.toFixed(1)} Mbit/s = ${(rateMbit / mbit).toFixed(3)} of the rate  CPU ${fmt(cpu)} s = ${fmt(share, 1)} % of a core  (nginx ${fmt(server)} CPU-s)`,
    );
    return { t: t.median, share: share.median };
  };
  console.log(
    `\n${mbit} Mbit/s (tbf, no added delay), ${name} (${(bytes / MB).toFixed(0)} MB), concurrency ${CONCURRENCY}, ${ROUNDS} rounds, medians (min–max)`,
  );
  const curl = line('curl --parallel  ', runs.curl);
  const ours = line('ours (sync loop) ', runs.ours);
  const oursRate = (bytes * 8) / 1e6 / ours.t / mbit;
  console.log(
    `ours vs curl throughput ${(curl.t / ours.t).toFixed(3)}x (goal >= 0.97)  ours vs the shaped rate ${oursRate.toFixed(3)} (goal >= 0.92)`,
  );
  console.log(
    `ours vs curl CPU share ${(ours.share / curl.share).toFixed(2)}x${mbit < 1000 ? ' (goal <= 1.5 at 100 Mbit/s)' : ''}`,
  );
}
