// A presentation playing (issue 12): how much of a core the room's background sync takes while a
// presentation the app launched is on screen. Over the venue link (support/venue-link.ts: nginx in its
// own network namespace behind a veth pair shaped with tbf at 100 Mbit/s), with a stand-in LibreOffice
// running (a program called soffice, as tests/sync-while-presenting.test.ts; the room telemetry finds
// it with the real pgrep check). Contenders, each in its own process in the client namespace, rounds
// rotating the order, each after the same untimed write-flush-delete (support/level-start.ts):
// - ours, throttled: the device record says `sync_while_presenting: "throttle"` (presenting-child.ts:
//   the cache, the room telemetry and the core's policy wiring), a list of 1 MB files, measured over a
//   window of W seconds after a warm-up (a presentation lasts an hour: start-up is not its cost);
// - ours at "full": the same with `sync_while_presenting: "full"`;
// - ours at "pause": the same with `sync_while_presenting: "pause"`, so no transfer: what the process
//   costs while it moves nothing (timers, the room's process check), the fixed part of the others;
// - curl at concurrency 1 (`--parallel-max 1`, what one transfer at a time costs with the least work
//   per byte) over a set of files, for its CPU per byte: scaled to the bytes our throttled sync moved
//   in its window, it is what the same bytes cost curl.
// Reported: bytes moved, rate, user + system CPU-seconds, CPU share of one core over the interval, CPU
// per GB; the goal is the throttled share <= 5 % of one core.
// `npm run bench -- presenting` (root: namespaces, tc; nginx). AETHER_BENCH_ROUNDS=n (3),
// AETHER_BENCH_FILES=n (250 × 1 MB listed), AETHER_BENCH_WARMUP_S=s (3), AETHER_BENCH_WINDOW_S=s (12), AETHER_BENCH_CURL_FILES=n
// (100), AETHER_BENCH_MBIT (100), AETHER_BENCH_CAP_MBPS (unset: the device record has no
// max_download_mbps; set: it has that value). AETHER_BENCH_STRACE=1 adds one throttled run under
// `strace -f -c` (needs strace) and prints its system-call summary; AETHER_BENCH_CPU_PROF=<dir> writes
// a V8 CPU profile of each throttled child there (node --cpu-prof).
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleScript } from './support/bundle';
import { curlRun, fmt, spread } from './support/file-contenders';
import { onAnyExit, removeOnAnyExit } from './support/exit-cleanup';
import { levelStart } from './support/level-start';
import { startNginx } from './support/nginx-server';
import { flushServedFiles, writeServedFiles } from './support/served-files';
import { runInOwnGroup } from './support/timed-command';
import { createVenueLink } from './support/venue-link';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = env('AETHER_BENCH_ROUNDS', 3);
const FILES = env('AETHER_BENCH_FILES', 250);
const WARMUP_S = env('AETHER_BENCH_WARMUP_S', 3);
const WINDOW_S = env('AETHER_BENCH_WINDOW_S', 12);
const CURL_FILES = env('AETHER_BENCH_CURL_FILES', 100);
const MBIT = env('AETHER_BENCH_MBIT', 100);
const CAP = process.env.AETHER_BENCH_CAP_MBPS ?? '';
const PROFILE_DIR = process.env.AETHER_BENCH_CPU_PROF ?? '';
const MB = 1_000_000;
const GOAL_SHARE = 5;
const CHILD = fileURLToPath(new URL('./presenting-child.ts', import.meta.url));

interface Measured {
  seconds: number;
  cpuSeconds: number;
  bytes: number;
  policy?: { mode: string; maxMbps: number | null };
}

const work = await mkdtemp(path.join(os.tmpdir(), 'aether-presenting-'));
const bundled = await bundleScript(CHILD);
removeOnAnyExit(work);
removeOnAnyExit(path.dirname(bundled));
try {
  const served = path.join(work, 'served');
  const set = await writeServedFiles(served, Math.max(FILES, CURL_FILES), MB);
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
      await link.shape(MBIT);
      const list = path.join(work, 'list.json');
      await writeFile(list, JSON.stringify(set.slice(0, FILES)));
      const runs = {
        throttle: [] as Measured[],
        full: [] as Measured[],
        pause: [] as Measured[],
        curl: [] as Measured[],
      };
      let n = 0;
      const ours = (mode: 'throttle' | 'full' | 'pause', traceTo?: string) => async () => {
        const root = path.join(work, `cache-${(n += 1)}`);
        const standIn = await startStandInPresentation();
        try {
          const { stdout } = await runInOwnGroup([
            ...(traceTo ? ['strace', '-f', '-c', '-o', traceTo] : []),
            'ip',
            'netns',
            'exec',
            link.clientNs,
            process.execPath,
            ...(PROFILE_DIR && mode === 'throttle' ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []),
            bundled,
            nginx.url,
            root,
            list,
            mode,
            String(WARMUP_S),
            String(WINDOW_S),
            ...(CAP ? [CAP] : []),
          ]);
          if (!traceTo) runs[mode].push(JSON.parse(stdout.trim().split('\n').pop()!) as Measured);
        } finally {
          await standIn();
          await rm(root, { recursive: true, force: true });
        }
      };
      const curl = async () => {
        const out = path.join(work, `curl-${(n += 1)}`);
        const files = set.slice(0, CURL_FILES);
        const r = await curlRun(
          { url: nginx.url, files, concurrency: 1, out, netns: link.clientNs, childBundle: '', work },
          false,
        );
        runs.curl.push({ ...r, bytes: files.reduce((s, f) => s + f.size, 0) });
        await rm(out, { recursive: true, force: true });
      };
      const contenders = [ours('throttle'), ours('full'), ours('pause'), curl];
      console.log(
        `a presentation playing: ${MBIT} Mbit/s (tbf), ${FILES} × 1 MB listed, measured over ${WINDOW_S} s after a ${WARMUP_S} s warm-up, ${ROUNDS} rounds, device max_download_mbps ${CAP || 'unset'}; load ${loadAverage()}`,
      );
      for (let round = 0; round < ROUNDS; round += 1) {
        for (let i = 0; i < contenders.length; i += 1) {
          await levelStart(work, 150 * MB);
          await contenders[(round + i) % contenders.length]!();
        }
      }
      report(runs);
      if (process.env.AETHER_BENCH_STRACE === '1') {
        // Where the throttled sync's CPU goes: one more run under `strace -f -c` (not in the figures).
        const trace = path.join(work, 'strace.txt');
        await ours('throttle', trace)();
        const lines = (await readFile(trace, 'utf8')).trim().split('\n');
        console.log(`\nsystem calls of one throttled run (strace -f -c, top 12):\n${lines.slice(0, 14).join('\n')}`);
        console.log(lines.slice(-1)[0]);
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

/**
 * A stand-in LibreOffice (a program named soffice that sleeps), in a process group of its own so the
 * sleep goes with it; killed by the returned function and on any exit of the bench.
 */
async function startStandInPresentation(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(work, 'soffice-'));
  const program = path.join(dir, 'soffice');
  await writeFile(program, '#!/bin/sh\nsleep 600\n');
  await chmod(program, 0o755);
  await mkdir(dir, { recursive: true });
  const child = spawn('/bin/sh', [program], { stdio: 'ignore', detached: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const forget = onAnyExit(kill);
  return async () => {
    kill();
    await exited;
    forget();
  };
}

function report(runs: { throttle: Measured[]; full: Measured[]; pause: Measured[]; curl: Measured[] }): void {
  const rows = (rs: Measured[]) => ({
    seconds: spread(rs.map((r) => r.seconds)),
    mb: spread(rs.map((r) => r.bytes / MB)),
    mbit: spread(rs.map((r) => (r.bytes * 8) / 1e6 / r.seconds)),
    cpu: spread(rs.map((r) => r.cpuSeconds)),
    share: spread(rs.map((r) => (100 * r.cpuSeconds) / r.seconds)),
    perGb: spread(rs.map((r) => r.cpuSeconds / (r.bytes / 1e9))),
  });
  const line = (label: string, rs: Measured[]) => {
    const r = rows(rs);
    console.log(
      `${label} ${fmt(r.seconds, 1)} s  ${fmt(r.mb, 0)} MB  ${fmt(r.mbit, 1)} Mbit/s  CPU ${fmt(r.cpu)} s = ${fmt(r.share, 1)} % of a core  ${fmt(r.perGb)} CPU-s/GB`,
    );
    return r;
  };
  const policy = runs.throttle[0]?.policy;
  console.log(`\nmedians (min–max); throttled policy as applied: ${JSON.stringify(policy)}`);
  const throttle = line('ours, throttled   ', runs.throttle);
  const full = line('ours, full        ', runs.full);
  const paused = rows(runs.pause);
  console.log(
    `ours, paused       ${fmt(paused.seconds, 1)} s  no transfer  CPU ${fmt(paused.cpu)} s = ${fmt(paused.share, 1)} % of a core (the process's fixed cost while presenting)`,
  );
  const curl = line('curl, 1 at a time ', runs.curl);
  // curl's CPU per byte, for the bytes the throttled sync moved, over the throttled window.
  const curlSameBytes = (curl.perGb.median * (throttle.mb.median / 1000) * 100) / throttle.seconds.median;
  console.log(
    `curl for the throttled sync's bytes over its window: ${curlSameBytes.toFixed(2)} % of a core; ours ${(throttle.share.median / curlSameBytes).toFixed(2)}x that`,
  );
  console.log(
    `ours throttled vs full: CPU share ${(throttle.share.median / full.share.median).toFixed(2)}x, rate ${(throttle.mbit.median / full.mbit.median).toFixed(2)}x; CPU per GB ours/curl throttled ${(throttle.perGb.median / curl.perGb.median).toFixed(2)}x, full ${(full.perGb.median / curl.perGb.median).toFixed(2)}x`,
  );
  const worst = throttle.share.max;
  console.log(
    `throttled CPU share ${throttle.share.median.toFixed(1)} % (worst ${worst.toFixed(1)} %) of one core (goal <= ${GOAL_SHARE} %): ${worst <= GOAL_SHARE ? 'met' : throttle.share.median <= GOAL_SHARE ? 'met at the median' : 'MISSED'}; load ${loadAverage()}`,
  );
}

function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}
