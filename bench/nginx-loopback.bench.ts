// A server that is not the bottleneck: nginx (Debian's, sendfile, `/v3/files/<sha256>` as a plain
// folder, one worker) on 127.0.0.1, so the 2 cores go to the clients. Two workloads: a set of 1 MB
// files and one 1 GiB file. Contenders, each in its own process: `curl --parallel --parallel-max 4`;
// the same followed by `sync --file-system` (the same durability as ours); ours (the cache's sync loop,
// concurrency 4, the bulk-sync child bundled); the bare cache client (bare-node-fetch.ts: hash, one
// write per file, no flush; the set only, since it holds a whole file in memory). Reference for CPU:
// curl's CPU plus `openssl dgst -sha256` over curl's files (page cache) for the same bytes. Rounds
// rotate the order, each run follows the same untimed write-flush-delete (support/level-start.ts) and
// keeps its files until the workload ends. Reported: wall time, user + system CPU-seconds per GiB of
// every contender and of nginx, and the goals' ratios.
// `npm run bench -- nginx-loopback`. AETHER_BENCH_ROUNDS=n (3), AETHER_BENCH_FILES=n (500),
// AETHER_BENCH_BIG_MIB=n (1024).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleScript } from './support/bundle';
import {
  childRun,
  curlRun,
  fmt,
  opensslDigestCpu,
  spread,
  type ContenderContext,
  type Run,
} from './support/file-contenders';
import { removeOnAnyExit } from './support/exit-cleanup';
import { levelStart } from './support/level-start';
import { freeLoopbackPort, startNginx } from './support/nginx-server';
import { flushServedFiles, writeServedFile, writeServedFiles, type GeneratedFile } from './support/served-files';

const ROUNDS = Number(process.env.AETHER_BENCH_ROUNDS ?? 3);
const FILES = Number(process.env.AETHER_BENCH_FILES ?? 500);
const BIG_MIB = Number(process.env.AETHER_BENCH_BIG_MIB ?? 1024);
const MB = 1_000_000;
const GIB = 1024 ** 3;
const CONCURRENCY = 4;
const CHILD = fileURLToPath(new URL('./bulk-sync-child.ts', import.meta.url));

type Name = 'curl' | 'curl + sync -f' | 'bare cache client' | 'ours (sync loop)';

const work = await mkdtemp(path.join(os.tmpdir(), 'aether-nginx-lo-'));
const served = path.join(work, 'served');
const bundled = await bundleScript(CHILD);
// The `finally` below removes both; these cover an interrupt, where `finally` never runs.
removeOnAnyExit(work);
removeOnAnyExit(path.dirname(bundled));
try {
  const set = await writeServedFiles(served, FILES, MB);
  const big = await writeServedFile(served, BIG_MIB * 1024 * 1024);
  await flushServedFiles(served);
  const nginx = await startNginx({
    root: served,
    host: '127.0.0.1',
    port: await freeLoopbackPort(),
    probeSha256: set[0]!.sha256,
  });
  try {
    for (const workload of [
      { name: `${FILES} × 1 MB`, files: set, bare: true },
      { name: `1 × ${BIG_MIB} MiB`, files: [big], bare: false },
    ]) {
      await measureWorkload(nginx, workload.name, workload.files, workload.bare);
    }
  } finally {
    await nginx.close();
  }
} finally {
  await rm(work, { recursive: true, force: true });
  await rm(path.dirname(bundled), { recursive: true, force: true });
}

async function measureWorkload(
  nginx: { url: string; workerCpuSeconds(): number },
  name: string,
  files: readonly GeneratedFile[],
  withBare: boolean,
): Promise<void> {
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const runsDir = path.join(work, 'runs');
  await mkdir(runsDir, { recursive: true });
  let n = 0;
  const ctx = (): ContenderContext => ({
    url: nginx.url,
    files,
    concurrency: CONCURRENCY,
    out: path.join(runsDir, `run-${(n += 1)}`),
    childBundle: bundled,
    work,
  });
  const runs = new Map<Name, Run[]>();
  const digestCpu: number[] = [];
  const contender = (name: Name, body: () => Promise<Omit<Run, 'serverCpuSeconds'>>) => async () => {
    const serverBefore = nginx.workerCpuSeconds();
    const result = await body();
    const list = runs.get(name) ?? [];
    list.push({ ...result, serverCpuSeconds: nginx.workerCpuSeconds() - serverBefore });
    runs.set(name, list);
  };
  const contenders = [
    contender('curl', async () => {
      const c = ctx();
      const result = await curlRun(c, false);
      // Untimed, after the run: what hashing the same bytes costs with OpenSSL (the files are in the page cache).
      digestCpu.push(await opensslDigestCpu(files.map((_, i) => path.join(c.out, `${i}.bin`))));
      return result;
    }),
    contender('curl + sync -f', () => curlRun(ctx(), true)),
    ...(withBare ? [contender('bare cache client', () => childRun(ctx(), 'bare-client'))] : []),
    contender('ours (sync loop)', () => childRun(ctx(), 'ours')),
  ];
  for (let round = 0; round < ROUNDS; round += 1) {
    for (let i = 0; i < contenders.length; i += 1) {
      await levelStart(work, Math.ceil(bytes * 1.2));
      await contenders[(round + i) % contenders.length]!();
    }
  }
  await rm(runsDir, { recursive: true, force: true });

  const gib = bytes / GIB;
  const mib = bytes / (1024 * 1024);
  console.log(
    `\nnginx on loopback, ${name} (${mib.toFixed(0)} MiB), concurrency ${CONCURRENCY}, ${ROUNDS} rounds, medians (min–max)`,
  );
  const medians = new Map<Name, { t: number; cpuPerGib: number }>();
  for (const [label, rs] of runs) {
    const t = spread(rs.map((r) => r.seconds));
    const cpu = spread(rs.map((r) => r.cpuSeconds));
    const perGib = spread(rs.map((r) => r.cpuSeconds / gib));
    const server = spread(rs.map((r) => r.serverCpuSeconds));
    medians.set(label, { t: t.median, cpuPerGib: perGib.median });
    console.log(
      `${label.padEnd(18)} ${fmt(t)} s  ${(mib / t.median).toFixed(0)} MiB/s  CPU ${fmt(cpu)} s = ${fmt(perGib)} CPU-s/GiB  (nginx ${fmt(server)} CPU-s)`,
    );
  }
  const digest = spread(digestCpu);
  const curl = medians.get('curl')!;
  const curlSync = medians.get('curl + sync -f')!;
  const ours = medians.get('ours (sync loop)')!;
  const reference = curl.cpuPerGib + digest.median / gib;
  console.log(
    `openssl dgst -sha256 ${fmt(digest)} CPU-s = ${(digest.median / gib).toFixed(2)} CPU-s/GiB; reference curl + openssl ${reference.toFixed(2)} CPU-s/GiB`,
  );
  console.log(
    `ours vs curl + sync -f ${(curlSync.t / ours.t).toFixed(2)}x (goal >= 1.1)  ours vs curl ${(curl.t / ours.t).toFixed(2)}x`,
  );
  console.log(`ours CPU/GiB vs curl + openssl ${(ours.cpuPerGib / reference).toFixed(2)}x (goal <= 1.5)`);
  const bare = medians.get('bare cache client');
  if (bare)
    console.log(
      `bare cache client vs curl ${(curl.t / bare.t).toFixed(2)}x  CPU/GiB vs curl + openssl ${(bare.cpuPerGib / reference).toFixed(2)}x`,
    );
}
