// Open under load (issue 12): what a presenter's click costs while the room syncs. In this process, as
// in the app's main process: the real cache (cache/service.ts) over nginx on 127.0.0.1 (sendfile, the
// `/v3/files/<sha256>` layout; a cheap server, so the sync runs as fast as our client can: the
// heaviest load it can put on the event loop and the 2 cores, heavier than any venue link) and the
// real launch service (kiosk/launch-service.ts, as core/launch.ts builds it) with a stand-in opener
// that records when it is called (the Electron edge's shell.openPath is the only part left out).
// (a) Time from `launch.open` to the opener for a cached 100 MB file, idle and while 500 × 1 MB files
//     sync (a loop: list them, wait until present, gc them, again), p50/p99 over N opens each, for
//     the first open of a file (the launch copy is made: removed untimed before each open) and a
//     re-open (the copy is reused). Where the time goes: the copy alone (fs.copyFile, same flags)
//     and the event loop's delay, idle and under load.
// (b) A file queued behind 499 others (the last of a fresh 500-file list, every slot busy): time from
//     the click (`launch.open`, not cached) to the scheduler's first `connecting` state for it, to our
//     HTTP client sending its GET (the download starting), and to the response head. Each trial uses
//     a fresh cache folder, so the file is always behind the whole list.
// `npm run bench -- open-under-load` (needs nginx). AETHER_BENCH_OPENS=n (50), AETHER_BENCH_FILES=n
// (500), AETHER_BENCH_BIG_MB=n (100), AETHER_BENCH_CLICKS=n (20).
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { silentLogger } from '../base/logger';
import type { CommandRunner } from '../base/command-runner';
import { staticFileSource } from '../cache/file-source';
import type { FileHttpClient } from '../cache/http-get';
import { openCache, type Cache } from '../cache/service';
import type { CacheFile } from '../contracts/cache';
import { shortHash } from '../kiosk/filename';
import { createLaunchService, type ListedFile } from '../kiosk/launch-service';
import { removeOnAnyExit } from './support/exit-cleanup';
import { freeLoopbackPort, startNginx } from './support/nginx-server';
import { flushServedFiles, writeServedFile, writeServedFiles } from './support/served-files';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const OPENS = env('AETHER_BENCH_OPENS', 50);
const FILES = env('AETHER_BENCH_FILES', 500);
const BIG_MB = env('AETHER_BENCH_BIG_MB', 100);
const CLICKS = env('AETHER_BENCH_CLICKS', 20);
const MB = 1_000_000;
const CONCURRENCY = 4;
const noCommands: CommandRunner = async () => ({ exitCode: 1, stdout: '', stderr: '' });

const work = await mkdtemp(path.join(os.tmpdir(), 'aether-open-load-'));
removeOnAnyExit(work);
const served = path.join(work, 'served');
const caches: Cache[] = [];
try {
  const set = await writeServedFiles(served, FILES, MB);
  const big = await writeServedFile(served, BIG_MB * MB);
  await flushServedFiles(served);
  const nginx = await startNginx({
    root: served,
    host: '127.0.0.1',
    port: await freeLoopbackPort(),
    probeSha256: big.sha256,
  });
  try {
    const setFiles: CacheFile[] = set.map((f) => ({ sha256: f.sha256, size: f.size }));
    const bigFile: CacheFile = { sha256: big.sha256, size: big.size };
    const openCacheAt = async (root: string) => {
      const cache = await openCache({
        root,
        source: staticFileSource([nginx.url], null),
        logger: silentLogger(),
        concurrency: CONCURRENCY,
        periodMs: 3_600_000,
      });
      caches.push(cache);
      cache.start();
      return cache;
    };
    console.log(
      `open under load: nginx on 127.0.0.1, concurrency ${CONCURRENCY}, ${FILES} × 1 MB syncing, a ${BIG_MB} MB file opened ${OPENS} times per case; load ${loadAverage()}`,
    );
    await openUnderLoad(await openCacheAt(path.join(work, 'cache-a')), setFiles, bigFile);
    await clickBehindQueue(openCacheAt, setFiles);
  } finally {
    for (const cache of caches) await cache.close().catch(() => undefined);
    await nginx.close();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

/** (a) */
async function openUnderLoad(cache: Cache, setFiles: CacheFile[], bigFile: CacheFile): Promise<void> {
  await cache.fetch(bigFile);
  const launchDir = path.join(work, 'launch');
  const listed: ListedFile[] = [{ event_file_id: 'ef_big', sha256: bigFile.sha256, filename: 'keynote-video.mp4' }];
  let openerCalledAt = 0;
  const launch = createLaunchService({
    platform: 'linux',
    cache,
    tempRoot: () => launchDir,
    opener: async () => void (openerCalledAt = performance.now()),
    run: noCommands,
    eventFiles: () => listed,
  });
  const copyDir = path.join(launchDir, shortHash(bigFile.sha256));
  const openOnce = async (fresh: boolean): Promise<number> => {
    if (fresh) await rm(copyDir, { recursive: true, force: true });
    const started = performance.now();
    const result = await launch.open({ sha256: bigFile.sha256 });
    if (result.copy !== (fresh ? 'created' : 'reused')) throw new Error(`expected a ${fresh ? 'new' : 'reused'} copy`);
    return openerCalledAt - started;
  };
  const copyAlone = async (): Promise<number> => {
    const target = path.join(work, 'copy-alone.tmp');
    await rm(target, { force: true });
    const started = performance.now();
    await copyFile(cache.pathOf(bigFile.sha256)!, target, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
    const ms = performance.now() - started;
    await rm(target, { force: true });
    return ms;
  };
  const measureAll = async () => {
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const out = { created: [] as number[], reused: [] as number[], copy: [] as number[] };
    await openOnce(true); // untimed: the first copy warms the launch folder
    for (let i = 0; i < OPENS; i += 1) {
      out.created.push(await openOnce(true));
      out.reused.push(await openOnce(false));
      if (i % 5 === 0) out.copy.push(await copyAlone());
      // Spread the opens over different moments of the sync.
      await new Promise((r) => setTimeout(r, 10 + ((i * 7) % 30)));
    }
    delay.disable();
    return { ...out, loopP99: delay.percentile(99) / 1e6, loopMax: delay.max / 1e6 };
  };

  const idle = await measureAll();

  // The load: the 500 files synced again and again (listed, present, collected) until the opens end.
  let stop = false;
  let rounds = 0;
  let bytes = 0;
  const present = new Set<string>();
  let roundDone: () => void = () => undefined;
  const unsubscribe = cache.subscribe((event) => {
    if (event.type !== 'file' || event.status.state !== 'present' || event.status.sha256 === bigFile.sha256) return;
    present.add(event.status.sha256);
    if (present.size === setFiles.length) roundDone();
  });
  const firstTransfers = new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (cache.status(setFiles.map((f) => f.sha256)).totals.downloading >= CONCURRENCY || stop) {
        clearInterval(check);
        resolve();
      }
    }, 2);
  });
  const loadCpuBefore = process.cpuUsage();
  const loadStarted = performance.now();
  const load = (async () => {
    while (!stop) {
      present.clear();
      const done = new Promise<void>((resolve) => (roundDone = resolve));
      cache.ensure({ files: [bigFile, ...setFiles] });
      await done;
      rounds += 1;
      bytes += setFiles.length * MB;
      cache.ensure({ files: [bigFile] });
      await cache.gc([bigFile.sha256]);
    }
  })();
  await firstTransfers;
  const loaded = await measureAll();
  const measuredSeconds = (performance.now() - loadStarted) / 1000;
  const cpu = process.cpuUsage(loadCpuBefore);
  stop = true;
  await load;
  unsubscribe();

  const line = (label: string, values: number[]) =>
    `${label} p50 ${pct(values, 50).toFixed(1)} ms  p99 ${pct(values, 99).toFixed(1)} ms  (min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)}, n ${values.length})`;
  console.log(`\n(a) launch.open → opener called, cached ${BIG_MB} MB file, ${OPENS} opens per case`);
  for (const [name, key] of [
    ['first open (copy made)', 'created'],
    ['re-open (copy reused) ', 'reused'],
  ] as const) {
    console.log(`  ${name} idle       ${line('', idle[key])}`);
    console.log(`  ${name} under load ${line('', loaded[key])}`);
    const ratio = pct(loaded[key], 99) / pct(idle[key], 99);
    console.log(`  ${name} p99 under load / idle ${ratio.toFixed(2)}x (goal <= 2): ${ratio <= 2 ? 'met' : 'MISSED'}`);
  }
  console.log(`  where the time goes: fs.copyFile of the ${BIG_MB} MB alone (same flags)`);
  console.log(`    idle       ${line('', idle.copy)}`);
  console.log(`    under load ${line('', loaded.copy)}`);
  console.log(
    `  event-loop delay p99 idle ${idle.loopP99.toFixed(1)} ms (max ${idle.loopMax.toFixed(1)}), under load ${loaded.loopP99.toFixed(1)} ms (max ${loaded.loopMax.toFixed(1)})`,
  );
  console.log(
    `  the load: ${rounds} full sync rounds + part of one (${(bytes / MB).toFixed(0)}+ MB) in ${measuredSeconds.toFixed(1)} s; this process ${((cpu.user + cpu.system) / 1e6).toFixed(2)} CPU-s (${((100 * (cpu.user + cpu.system)) / 1e6 / measuredSeconds).toFixed(0)} % of a core), opens and copies included`,
  );
}

/** (b) */
async function clickBehindQueue(openCacheAt: (root: string) => Promise<Cache>, setFiles: CacheFile[]): Promise<void> {
  const listed: ListedFile[] = setFiles.map((f, i) => ({
    event_file_id: `ef_${i}`,
    sha256: f.sha256,
    filename: `deck-${i}.pdf`,
  }));
  const target = setFiles[setFiles.length - 1]!;
  const results = {
    connecting: [] as number[],
    requested: [] as number[],
    head: [] as number[],
    ahead: [] as number[],
  };
  for (let trial = 0; trial < CLICKS; trial += 1) {
    const root = path.join(work, `cache-b-${trial}`);
    await mkdir(root, { recursive: true });
    const cache = await openCacheAt(root);
    const marks: { connecting?: number; requested?: number; head?: number } = {};
    // The cache's own HTTP client, watched (not replaced) for the target's GET: when it is handed to
    // the connection (request line and headers written) and when the response head is back.
    const http = cache['http'] as FileHttpClient;
    const get = http.get.bind(http);
    http.get = (url, options) => {
      if (!url.endsWith(target.sha256)) return get(url, options);
      marks.requested ??= performance.now();
      return get(url, options).then((response) => {
        marks.head ??= performance.now();
        return response;
      });
    };
    const unsubscribe = cache.subscribe(() => {
      if (marks.connecting === undefined && cache.scheduler.state(target.sha256)?.kind === 'connecting')
        marks.connecting = performance.now();
    });
    const launch = createLaunchService({
      platform: 'linux',
      cache,
      tempRoot: () => path.join(work, 'launch-b'),
      opener: async () => undefined,
      run: noCommands,
      eventFiles: () => listed,
    });
    cache.ensure({ files: setFiles });
    // Every slot busy with the list's first files before the click.
    for (let i = 0; i < 5_000 && cache.status(setFiles.map((f) => f.sha256)).totals.downloading < CONCURRENCY; i += 1)
      await new Promise((r) => setTimeout(r, 1));
    const ahead = cache.status(setFiles.map((f) => f.sha256)).totals;
    const clicked = performance.now();
    await launch.open({ sha256: target.sha256 });
    unsubscribe();
    if (marks.connecting === undefined || marks.requested === undefined || marks.head === undefined)
      throw new Error('the clicked file was opened without its download being seen');
    results.connecting.push(marks.connecting - clicked);
    results.requested.push(marks.requested - clicked);
    results.head.push(marks.head - clicked);
    results.ahead.push(ahead.queued - 1 + ahead.downloading);
    await cache.close();
    caches.splice(caches.indexOf(cache), 1);
    await rm(root, { recursive: true, force: true });
  }
  console.log(
    `\n(b) a click on the last of ${setFiles.length} listed files (not cached; ${pct(results.ahead, 50)} files queued or running ahead of it, min ${Math.min(...results.ahead)}), ${CLICKS} trials, fresh cache each`,
  );
  const line = (label: string, values: number[]) =>
    `  ${label} p50 ${pct(values, 50).toFixed(1)} ms  p99 ${pct(values, 99).toFixed(1)} ms  (min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)})`;
  console.log(line('click → scheduler `connecting`           ', results.connecting));
  console.log(line('click → our GET handed to the connection ', results.requested));
  console.log(line('click → response head back               ', results.head));
  const worst = pct(results.requested, 99);
  console.log(
    `  download started (GET sent) p99 ${worst.toFixed(1)} ms (goal < 200 ms): ${worst < 200 ? 'met' : 'MISSED'}; load ${loadAverage()}`,
  );
}

/** Nearest-rank percentile. */
function pct(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}
