// What a room sees over a real venue link: nginx (sendfile, `/v3/files/<sha256>`) in its own network
// namespace behind a veth pair shaped with tbf (support/venue-link.ts), the contenders in the other
// namespace: `curl --parallel --parallel-max 4` and ours (the cache's sync loop, concurrency 4, the
// bulk-sync child bundled), each in its own process. A round-trip delay goes through the TUN path
// (support/tun-delay.c, shaped the same). Per link, two workloads: a set of 1 MB files and one large
// file; rounds rotate the order, each run follows the same untimed write-flush-delete
// (support/level-start.ts) and keeps its files until the workload ends. Reported: time to ready
// (medians and spread), throughput against the shaped rate, ours against curl, and each party's
// user + system CPU-seconds (contender, nginx, delay forwarder), the contender's as a share of one core
// during the transfer.
// `npm run bench -- venue-link` (root: namespaces, tc, gcc, nginx). AETHER_BENCH_ROUNDS=n (3);
// AETHER_BENCH_LINKS=<Mbit/s>:<RTT ms>,... (100:0,1000:0,100:20,1000:20); below 1 Gbit/s
// AETHER_BENCH_SLOW_FILES (100) × 1 MB and one AETHER_BENCH_SLOW_BIG_MB (100) file, at 1 Gbit/s
// AETHER_BENCH_FAST_FILES (200) and AETHER_BENCH_FAST_BIG_MB (500). The defaults take about 5 minutes.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleScript } from './support/bundle';
import { childRun, curlRun, fmt, spread, type ContenderContext, type Run } from './support/file-contenders';
import { removeOnAnyExit } from './support/exit-cleanup';
import { levelStart } from './support/level-start';
import { startNginx } from './support/nginx-server';
import { flushServedFiles, writeServedFile, writeServedFiles, type GeneratedFile } from './support/served-files';
import { createVenueLink } from './support/venue-link';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = env('AETHER_BENCH_ROUNDS', 3);
const LINKS = (process.env.AETHER_BENCH_LINKS ?? '100:0,1000:0,100:20,1000:20').split(',').map((l) => {
  const [mbit = '', rtt = '0'] = l.split(':');
  return { mbit: Number(mbit), rttMs: Number(rtt) };
});
const RATES = LINKS.map((l) => l.mbit);
const MB = 1_000_000;
const CONCURRENCY = 4;
const sizesAt = (mbit: number) =>
  mbit < 1000
    ? { files: env('AETHER_BENCH_SLOW_FILES', 100), bigMb: env('AETHER_BENCH_SLOW_BIG_MB', 100) }
    : { files: env('AETHER_BENCH_FAST_FILES', 200), bigMb: env('AETHER_BENCH_FAST_BIG_MB', 500) };
/** A run with the delay forwarder's CPU over the same interval (0 without delay). */
type VenueRun = Run & { forwarderCpuSeconds: number };
// With AETHER_BENCH_BARE=1 the 1 MB sets also run the bare cache client (bench/bare-node-fetch.ts: the
// cache's HTTP client and SHA-256, no durability): it splits our CPU into transport and per-file work.
const BARE = process.env.AETHER_BENCH_BARE === '1';
const CHILD = fileURLToPath(new URL('./bulk-sync-child.ts', import.meta.url));

const work = await mkdtemp(path.join(os.tmpdir(), 'aether-venue-'));
const served = path.join(work, 'served');
const bundled = await bundleScript(CHILD);
// The `finally` below removes both; these cover an interrupt, where `finally` never runs.
removeOnAnyExit(work);
removeOnAnyExit(path.dirname(bundled));
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
      // Every address of the namespace: the veth path and, once added, the delayed TUN path.
      listenHost: '0.0.0.0',
      port: 8080,
      netns: link.serverNs,
      probeSha256: set[0]!.sha256,
      probeNetns: link.clientNs,
    });
    try {
      for (const { mbit, rttMs } of LINKS) {
        const delayed = rttMs > 0 ? await link.addDelayedPath(rttMs) : undefined;
        if (delayed && delayed.rttMs !== rttMs) throw new Error('one round-trip delay per run (AETHER_BENCH_LINKS)');
        const url = `http://${delayed?.serverAddress ?? link.serverAddress}:8080`;
        await link.shape(mbit);
        const { files, bigMb } = sizesAt(mbit);
        const workloads = [
          { name: `${files} × 1 MB`, files: set.slice(0, files) },
          { name: `1 × ${bigMb} MB`, files: [bigs.get(bigMb)!] },
        ];
        for (const workload of workloads) {
          const bytes = workload.files.reduce((sum, f) => sum + f.size, 0);
          const runs = { curl: [] as VenueRun[], ours: [] as VenueRun[], bare: [] as VenueRun[] };
          const withBare = BARE && workload.files.length > 1;
          const runsDir = path.join(work, 'runs');
          await mkdir(runsDir, { recursive: true });
          let n = 0;
          const ctx = (): ContenderContext => ({
            url,
            files: workload.files,
            concurrency: CONCURRENCY,
            out: path.join(runsDir, `run-${(n += 1)}`),
            netns: link.clientNs,
            childBundle: bundled,
            work,
          });
          const measured = (into: VenueRun[], contender: () => Promise<Omit<Run, 'serverCpuSeconds'>>) => async () => {
            const serverBefore = nginx.workerCpuSeconds();
            const forwarderBefore = delayed?.forwarderCpuSeconds() ?? 0;
            const result = await contender();
            into.push({
              ...result,
              serverCpuSeconds: nginx.workerCpuSeconds() - serverBefore,
              forwarderCpuSeconds: (delayed?.forwarderCpuSeconds() ?? 0) - forwarderBefore,
            });
          };
          const contenders = [
            measured(runs.curl, () => curlRun(ctx(), false)),
            measured(runs.ours, () => childRun(ctx(), 'ours')),
            ...(withBare ? [measured(runs.bare, () => childRun(ctx(), 'bare-client'))] : []),
          ];
          for (let round = 0; round < ROUNDS; round += 1) {
            for (let i = 0; i < contenders.length; i += 1) {
              await levelStart(work, Math.ceil(bytes * 1.2));
              await contenders[(round + i) % contenders.length]!();
            }
          }
          await rm(runsDir, { recursive: true, force: true });
          report(mbit, rttMs, workload.name, bytes, runs);
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

function report(
  mbit: number,
  rttMs: number,
  name: string,
  bytes: number,
  runs: { curl: VenueRun[]; ours: VenueRun[]; bare: VenueRun[] },
): void {
  const line = (label: string, rs: VenueRun[]) => {
    const t = spread(rs.map((r) => r.seconds));
    const cpu = spread(rs.map((r) => r.cpuSeconds));
    const share = spread(rs.map((r) => (100 * r.cpuSeconds) / r.seconds));
    const server = spread(rs.map((r) => r.serverCpuSeconds));
    const forwarder = spread(rs.map((r) => r.forwarderCpuSeconds));
    const rateMbit = (bytes * 8) / 1e6 / t.median;
    console.log(
      `${label} ${fmt(t)} s  ${rateMbit.toFixed(1)} Mbit/s = ${(rateMbit / mbit).toFixed(3)} of the rate  CPU ${fmt(cpu)} s = ${fmt(share, 1)} % of a core  (nginx ${fmt(server)} CPU-s${rttMs > 0 ? `, delay forwarder ${fmt(forwarder)} CPU-s` : ''})`,
    );
    return { t: t.median, share: share.median };
  };
  console.log(
    `\n${mbit} Mbit/s (tbf), ${rttMs > 0 ? `${rttMs} ms RTT (TUN forwarder)` : 'no added delay'}, ${name} (${(bytes / MB).toFixed(0)} MB), concurrency ${CONCURRENCY}, ${ROUNDS} rounds, medians (min–max)`,
  );
  const curl = line('curl --parallel  ', runs.curl);
  const ours = line('ours (sync loop) ', runs.ours);
  if (runs.bare.length > 0) {
    const bare = line('bare cache client', runs.bare);
    console.log(
      `bare cache client vs curl throughput ${(curl.t / bare.t).toFixed(3)}x  CPU share ${(bare.share / curl.share).toFixed(2)}x (reference: the transport alone)`,
    );
  }
  const oursRate = (bytes * 8) / 1e6 / ours.t / mbit;
  console.log(
    `ours vs curl throughput ${(curl.t / ours.t).toFixed(3)}x (goal >= 0.97)  ours vs the shaped rate ${oursRate.toFixed(3)} (goal >= 0.92)`,
  );
  console.log(
    `ours vs curl CPU share ${(ours.share / curl.share).toFixed(2)}x${mbit < 1000 ? ' (goal <= 1.5 at 100 Mbit/s)' : ''}`,
  );
}
