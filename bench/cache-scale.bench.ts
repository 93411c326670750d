// Scale of the cache itself (issue 12): opening a cache of 1k / 10k / 100k journaled entries, where
// that time goes, and `cache.status` of up to 100,000 hashes. `npm run bench -- cache-scale`
// (`AETHER_SCALE_SIZES=1000,10000` to choose the sizes, `AETHER_SCALE_OPENS=n` opens per size).
//
// The entries are tiny files seeded with sync calls (a bench, not the app) and stay in the page
// cache, so these are warm-cache figures: a laptop's first start after a reboot also reads the inodes.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { silentLogger } from '../base/logger';
import { nodeCacheFs } from '../cache/cache-fs';
import { staticFileSource } from '../cache/file-source';
import { FINAL_SUFFIX, journalPath } from '../cache/layout';
import { pageFacingCache } from '../cache/page-cache';
import { openCache, type Cache } from '../cache/service';
import { addLine, compactJournal, readJournal } from '../cache/verified-journal';
import { MAX_FILES_PER_CALL } from '../contracts/cache';
import { bundleScript } from './support/bundle';

const sizes = (process.env.AETHER_SCALE_SIZES ?? '1000,10000,100000').split(',').map(Number);
const opensPerSize = Number(process.env.AETHER_SCALE_OPENS ?? 5);
const run = promisify(execFile);
const child = await bundleScript(path.join(path.dirname(fileURLToPath(import.meta.url)), 'cache-scale-child.ts'));
const shaOf = (text: string) => createHash('sha256').update(text).digest('hex');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

/** `count` entries at their final names plus a compacted journal, written with sync calls (fast). */
function seed(root: string, count: number): string[] {
  for (let i = 0; i < 256; i += 1) mkdirSync(path.join(root, i.toString(16).padStart(2, '0')), { recursive: true });
  const hashes: string[] = [];
  let journal = '';
  for (let i = 0; i < count; i += 1) {
    const bytes = `entry ${i}`;
    const sha256 = shaOf(bytes);
    const file = path.join(root, sha256.slice(0, 2), `${sha256}${FINAL_SUFFIX}`);
    writeFileSync(file, bytes);
    const { size, mtimeMs } = statSync(file);
    journal += addLine(sha256, { size, mtimeMs });
    hashes.push(sha256);
  }
  appendFileSync(journalPath(root), journal);
  return hashes;
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await run();
  return { ms: performance.now() - t, value };
}

/** The pieces of an open, each measured alone on the same root (the levers of the issue). */
async function phases(root: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  out['journal read + parse'] = (await timed(() => readJournal(nodeCacheFs, root))).ms;
  const shards = readdirSync(root).filter((n) => /^[0-9a-f]{2}$/.test(n));
  const listing = await timed(async () => {
    const files: string[] = [];
    for (const shard of shards)
      for (const name of await readdir(path.join(root, shard))) files.push(path.join(root, shard, name));
    return files;
  });
  out['readdir of 256 shards'] = listing.ms;
  const files = listing.value;
  out['stat, one awaited at a time'] = (
    await timed(async () => {
      for (const file of files) await stat(file);
    })
  ).ms;
  out['stat, 64 in flight'] = (
    await timed(async () => {
      let next = 0;
      const worker = async () => {
        while (next < files.length) await stat(files[next++]!);
      };
      await Promise.all(Array.from({ length: 64 }, worker));
    })
  ).ms;
  out['statSync, all'] = (
    await timed(async () => {
      for (const file of files) statSync(file, { throwIfNoEntry: false });
    })
  ).ms;
  // (The shape before this change was a bare Map; the bench runs on both, for before/after figures.)
  const read = (await readJournal(nodeCacheFs, root)) as Awaited<ReturnType<typeof readJournal>> | Map<string, never>;
  const stamps = read instanceof Map ? read : read.stamps;
  out['compaction (rewrite + fsync)'] = (await timed(() => compactJournal(nodeCacheFs, root, stamps))).ms;
  return out;
}

interface OpenFigures {
  ms: number;
  cpuMs: number;
  maxBlockMs: number;
  entries: number;
}

/** One open in a fresh process (code not yet optimised by the JIT, as at an app start). */
async function coldOpen(child: string, root: string): Promise<OpenFigures> {
  const { stdout } = await run(process.execPath, [child, root], { encoding: 'utf8' });
  return JSON.parse(stdout.trim().split('\n').pop()!) as OpenFigures;
}

async function warmOpen(root: string): Promise<Cache> {
  return openCache({
    root,
    source: staticFileSource(['http://127.0.0.1:9'], null),
    logger: silentLogger(),
    periodMs: 3_600_000,
  });
}

async function statusFigures(cache: Cache, present: string[]): Promise<string[]> {
  const missing = Array.from({ length: present.length }, (_, i) => shaOf(`missing ${i}`));
  const half = [...present.slice(0, present.length / 2), ...missing.slice(0, present.length / 2)];
  const event = present.slice(0, Math.min(present.length, MAX_FILES_PER_CALL)).map((sha256) => ({ sha256 }));
  cache.ensure({ files: event });
  const page = pageFacingCache({ cache, eventFiles: () => event, sessions: () => [] });
  // Awaited so the page-facing calls (async: they add the free-space reading) count whole.
  const runs = async (f: () => unknown, n = 30) => {
    await f();
    const xs: number[] = [];
    for (let i = 0; i < n; i += 1) {
      const t = performance.now();
      await f();
      xs.push(performance.now() - t);
    }
    return `median ${ms(median(xs))}, max ${ms(Math.max(...xs))}`;
  };
  const chunks = (hashes: string[]) =>
    Array.from({ length: Math.ceil(hashes.length / MAX_FILES_PER_CALL) }, (_, i) =>
      hashes.slice(i * MAX_FILES_PER_CALL, (i + 1) * MAX_FILES_PER_CALL),
    );
  const lines = [
    `  CacheService.status, ${present.length} present: ${await runs(() => cache.status(present))}`,
    `  CacheService.status, ${present.length} (half missing): ${await runs(() => cache.status(half))}`,
  ];
  if (present.length > MAX_FILES_PER_CALL) {
    const parts = chunks(half);
    lines.push(
      `  ${parts.length} bridge-sized calls (${MAX_FILES_PER_CALL} each, half missing), Cache: ${await runs(() => parts.forEach((p) => cache.status(p)))}`,
      `  ${parts.length} bridge-sized calls, page-facing cache (event list ${event.length}): ${await runs(() => Promise.all(parts.map((p) => page.status(p))))}`,
    );
  }
  return lines;
}

try {
  for (const size of sizes) {
    const root = await mkdtemp(path.join(os.tmpdir(), 'aether-scale-'));
    try {
      const seedStarted = performance.now();
      const hashes = seed(root, size);
      // Flushed before any open is timed: an app starts long after its entries were written, while
      // here the kernel would still be writing 100,000 fresh inodes back beside the open.
      execFileSync('sync');
      console.log(
        `\n${size} entries (seeded and flushed in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s)`,
      );
      const opens: OpenFigures[] = [];
      for (let i = 0; i < opensPerSize; i += 1) {
        const opened = await coldOpen(child, root);
        if (opened.entries !== size) throw new Error(`opened ${opened.entries} of ${size} entries`);
        opens.push(opened);
      }
      const spread = (pick: (o: OpenFigures) => number) => {
        const xs = opens.map(pick);
        return `median ${ms(median(xs))} (${ms(Math.min(...xs))}–${ms(Math.max(...xs))})`;
      };
      console.log(
        `  open, cold process (openCache: lock, reclaim, journal, walk) over ${opensPerSize}: ${spread((o) => o.ms)}`,
      );
      console.log(
        `    CPU of the open (all threads): ${spread((o) => o.cpuMs)}; longest event-loop block: ${spread((o) => o.maxBlockMs)}`,
      );
      const warm: number[] = [];
      let last: Cache | null = null;
      for (let i = 0; i < 3; i += 1) {
        const t = performance.now();
        last = await warmOpen(root);
        warm.push(performance.now() - t);
        if (i < 2) await last.close();
      }
      console.log(`  open, again in one process (code optimised): ${warm.map(ms).join(', ')}`);
      for (const line of await statusFigures(last!, hashes)) console.log(line);
      await last!.close();
      for (const [phase, t] of Object.entries(await phases(root))) console.log(`  phase alone: ${phase}: ${ms(t)}`);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }
} finally {
  await rm(path.dirname(child), { recursive: true, force: true });
}
console.log(`\ngoals: open 10k ≤ 150 ms, 100k ≤ 1 s; status of 100k ≤ 20 ms`);
