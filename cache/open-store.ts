import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Logger } from 'pino';
import type { CacheFs } from './cache-fs';
import { StoreIoError, errnoCode } from './errors';
import { FINAL_NAME_PATTERN, FINAL_SUFFIX, SHARD_PATTERN, tempDir } from './layout';
import { reclaimStaleTemps } from './reclaim';
import { ContentStore } from './store';
import { compactJournal, readJournal, type JournalContents } from './verified-journal';

export interface StoreOptions {
  root: string;
  fs: CacheFs;
  logger: Logger;
  pid?: number;
  /**
   * `read`: only looks (status, `gc --dry-run`): creates no folder, reclaims nothing, compacts
   * nothing, so it works on a full or read-only disk and beside a running writer. `write` (the
   * default) is for the one writer that holds the root's lock (lock.ts).
   */
  mode?: 'read' | 'write';
  /** Entries stat'ed in one turn of the event loop at open (default DEFAULT_STAT_CHUNK). */
  statChunk?: number;
}

export interface OpenedStore {
  store: ContentStore;
  /** Files at a final name that were never verified (or changed since): hash them before trusting. */
  unverified: string[];
  reclaimedTemps: number;
}

/** Stats made in one turn of the event loop before openStore yields (about 10–20 ms warm here). */
export const DEFAULT_STAT_CHUNK = 2_000;
/** ...or fewer, when they took this long (a cold disk): no turn is blocked much longer. */
const STAT_CHUNK_BUDGET_MS = 20;
const FINAL_NAME_LENGTH = 64 + FINAL_SUFFIX.length;
/** Shard folders listed at once while the journal is parsed. */
const LISTING_CONCURRENCY = 16;

/**
 * Opens a cache root: reads the verified journal, lists the shards and stats every entry once, and
 * builds the in-memory index. Files whose stamp does not match are returned as `unverified`, never
 * trusted. In `write` mode it also creates the folders, reclaims stale temp files and compacts the
 * journal when it has lines for entries that are gone or changed, or mostly dead lines; none of these
 * is needed to answer, so `read` mode skips them, and a compaction that fails (a full disk) is logged
 * and skipped: opening never fails for want of space.
 *
 * Why it is quick (docs/BENCHMARKS.md "Cache scale"): the shard listings run on libuv's pool while the
 * journal is parsed, and the stats are sync calls (3–5 µs each here, where an awaited one cost
 * 20–60 µs of hand-offs), in chunks of `statChunk` (or 20 ms) with a turn of the event loop between.
 * Every entry is still stat'ed before the store answers for it: nothing is trusted on the journal's
 * word alone.
 */
export async function openStore({
  root,
  fs,
  logger,
  pid = process.pid,
  mode = 'write',
  statChunk = DEFAULT_STAT_CHUNK,
}: StoreOptions): Promise<OpenedStore> {
  const writable = mode === 'write';
  if (writable) {
    try {
      await fs.mkdir(tempDir(root), { recursive: true });
    } catch (err) {
      throw new StoreIoError(
        `Cannot create the cache folder ${root}: ${(err as Error).message}. Check local_file_cache_path and its permissions.`,
        { cause: err },
      );
    }
  }
  const store = new ContentStore(root, fs, logger, pid, randomBytes(4).toString('hex'), writable);
  const reclaimedTemps = writable
    ? await reclaimStaleTemps({ fs, root, logger, ownPid: pid, ownNonce: store.nonce })
    : 0;
  const listing = listShards(fs, root);
  // Marked handled now: a journal that cannot be read throws first, and the listing's own failure
  // is rethrown where it is awaited below.
  listing.catch(() => undefined);
  const journal = await readJournal(fs, root);
  const shards = await listing;
  const unverified: string[] = [];
  // Entries whose stamp matched. When that is every line of the journal (the usual start after a
  // compaction), the journal's map becomes the index as it is: 100,000 map inserts fewer.
  const matched: string[] = [];
  let matchedBytes = 0;
  let statted = 0;
  let chunkStarted = performance.now();
  for (const { dir, names } of shards) {
    store.noteShard(dir);
    const shard = path.basename(dir);
    for (const name of names) {
      if (name.length !== FINAL_NAME_LENGTH || !name.endsWith(FINAL_SUFFIX) || !name.startsWith(shard)) continue;
      const sha256 = name.slice(0, 64);
      const stamp = journal.stamps.get(sha256);
      // A journal key is a checked hash already; only a name the journal lacks needs the full pattern
      // (a regex test per name was 7 % of the open at 100,000 entries).
      if (!stamp && !FINAL_NAME_PATTERN.test(name)) continue;
      // undefined: removed since the listing, so simply not there.
      const stat = fs.statSync(dir + path.sep + name, { throwIfNoEntry: false });
      statted += 1;
      if (
        statted % statChunk === 0 ||
        (statted % 64 === 0 && performance.now() - chunkStarted > STAT_CHUNK_BUDGET_MS)
      ) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        chunkStarted = performance.now();
      }
      if (!stat?.isFile()) continue;
      if (stamp && stamp.size === stat.size && stamp.mtimeMs === stat.mtimeMs) {
        matched.push(sha256);
        matchedBytes += stamp.size;
      } else unverified.push(sha256);
    }
  }
  if (matched.length === journal.stamps.size) store.trustIndex(journal.stamps, matchedBytes);
  else for (const sha256 of matched) store.record(sha256, journal.stamps.get(sha256)!);
  if (writable && needsCompaction(journal, store.count, unverified.length)) {
    await compactJournal(fs, root, store.stamps(), pid).catch((err: unknown) => {
      logger.warn({ root, code: errnoCode(err) }, 'cache: journal not compacted (retried at the next start)');
    });
  }
  logger.info(
    { root, mode, entries: store.count, bytes: store.totalBytes, unverified: unverified.length, reclaimedTemps },
    'cache: store opened',
  );
  return { store, unverified, reclaimedTemps };
}

/**
 * Rewrite the journal when it names entries that are gone or changed, when a file lacks its line,
 * or when most of its lines are dead (`-` lines and superseded `+` lines pile up with every gc):
 * otherwise its length, and so the parse at every start, would grow with the history, not the cache.
 */
function needsCompaction(journal: JournalContents, trusted: number, unverified: number): boolean {
  return journal.stamps.size !== trusted || unverified > 0 || journal.lines > 2 * trusted + 1024;
}

interface ShardListing {
  dir: string;
  names: string[];
}

/** The names in every two-hex shard folder of the root, a few folders listed at a time. */
async function listShards(fs: CacheFs, root: string): Promise<ShardListing[]> {
  const dirs = (await readdirOrEmpty(fs, root))
    .filter((entry) => entry.isDirectory() && SHARD_PATTERN.test(entry.name))
    .map((entry) => path.join(root, entry.name));
  const out: ShardListing[] = new Array<ShardListing>(dirs.length);
  let next = 0;
  const worker = async () => {
    while (next < dirs.length) {
      const i = next++;
      out[i] = { dir: dirs[i]!, names: await fs.readdir(dirs[i]!) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(LISTING_CONCURRENCY, dirs.length) }, worker));
  return out;
}

/** The root's entries; none when it does not exist (a read-only look at a cache never created). */
async function readdirOrEmpty(fs: CacheFs, root: string) {
  try {
    return await fs.readdir(root, { withFileTypes: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}
