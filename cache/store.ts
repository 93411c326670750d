import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { syncDirectory } from '../base/atomic-file';
import type { CacheFs } from './cache-fs';
import { StoreIoError, errnoCode } from './errors';
import { GroupCommit } from './group-commit';
import { hashFile } from './hash-file';
import {
  FINAL_NAME_PATTERN,
  FINAL_SUFFIX,
  SHARD_PATTERN,
  finalPath,
  quarantineDir,
  shardDir,
  tempDir,
  tempName,
} from './layout';
import { reclaimStaleTemps } from './reclaim';
import {
  addLine,
  appendJournal,
  compactJournal,
  readJournal,
  removeLine,
  type JournalContents,
  type VerifiedStamp,
} from './verified-journal';

export interface StoreEntry {
  sha256: string;
  size: number;
  path: string;
}

export interface TempFile {
  path: string;
  handle: FileHandle;
}

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

/** What a stat of an entry says about the stamp it was trusted with (see `ContentStore.check`). */
export type EntryCheck = 'ok' | 'missing' | 'changed' | 'unknown';

export interface OpenedStore {
  store: ContentStore;
  /** Files at a final name that were never verified (or changed since): hash them before trusting. */
  unverified: string[];
  reclaimedTemps: number;
}

/**
 * The content-addressed store: `<root>/<2 hex>/<sha256>.file`, plus an in-memory index of the entries
 * that have passed a hash check. Every read of "is it here" is a map lookup; the disk is walked once,
 * in `openStore`. One store per root per process.
 */
export class ContentStore {
  private index = new Map<string, VerifiedStamp>();
  private readonly knownShards = new Set<string>();
  private tempCounter = 0;
  private bytes = 0;
  private readonly commits: GroupCommit;

  constructor(
    readonly root: string,
    private readonly fs: CacheFs,
    private readonly logger: Logger,
    private readonly pid: number,
    readonly nonce: string,
    readonly writable = true,
  ) {
    this.commits = new GroupCommit({
      syncFolder: syncDirectory,
      appendJournal: (lines) => appendJournal(fs, root, lines),
      logger,
    });
  }

  has(sha256: string): boolean {
    return this.index.has(sha256);
  }

  /** The verified entry, or undefined: a file that is on disk but not verified is not returned. */
  get(sha256: string): StoreEntry | undefined {
    const stamp = this.index.get(sha256);
    return stamp ? { sha256, size: stamp.size, path: finalPath(this.root, sha256) } : undefined;
  }

  pathOf(sha256: string): string | null {
    return this.index.has(sha256) ? finalPath(this.root, sha256) : null;
  }

  sizeOf(sha256: string): number | undefined {
    return this.index.get(sha256)?.size;
  }

  get count(): number {
    return this.index.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  hashes(): IterableIterator<string> {
    return this.index.keys();
  }

  /** Opens a new temp file for one download; the name carries the pid so a crashed writer's files are reclaimable. */
  async createTemp(sha256: string): Promise<TempFile> {
    this.assertWritable();
    this.tempCounter += 1;
    const file = path.join(
      tempDir(this.root),
      tempName(sha256, this.pid, `${this.nonce}${this.tempCounter.toString(16)}`),
    );
    const handle = await this.fs.open(file, 'w+');
    return { path: file, handle };
  }

  async discardTemp(temp: TempFile): Promise<void> {
    await temp.handle.close().catch(() => undefined);
    await this.fs.rm(temp.path, { force: true });
  }

  /**
   * Moves a temp file whose hash and size the caller has just checked into place: data synced first,
   * then the rename, then the folder synced (grouped with the commits that arrive meanwhile), so no
   * crash can leave a partial file at a final name. Resolves once the rename is durable.
   */
  async commit(temp: TempFile, sha256: string): Promise<StoreEntry> {
    await temp.handle.datasync();
    // fstat on the open file: the rename below keeps size and mtime, and this saves a path lookup.
    const { size, mtimeMs } = await temp.handle.stat();
    await temp.handle.close();
    const shard = shardDir(this.root, sha256);
    if (!this.knownShards.has(shard)) {
      await this.fs.mkdir(shard, { recursive: true });
      this.knownShards.add(shard);
    }
    const target = finalPath(this.root, sha256);
    await this.fs.rename(temp.path, target);
    await this.commits.commit(shard, addLine(sha256, { size, mtimeMs }));
    this.record(sha256, { size, mtimeMs });
    return { sha256, size, path: target };
  }

  /** Hashes a file found at a final name; trusts it on a match, quarantines it otherwise. */
  async adopt(sha256: string): Promise<boolean> {
    const file = finalPath(this.root, sha256);
    const digest = await hashFile(this.fs, file);
    if (digest.sha256 !== sha256) {
      await this.quarantine(sha256, digest.sha256);
      return false;
    }
    const stat = await this.fs.stat(file);
    this.record(sha256, { size: stat.size, mtimeMs: stat.mtimeMs });
    await this.appendBestEffort(addLine(sha256, { size: stat.size, mtimeMs: stat.mtimeMs }));
    return true;
  }

  /** Moves a bad file out of the final layout (kept for inspection under `.quarantine/`). */
  async quarantine(sha256: string, actual: string | null): Promise<string> {
    this.assertWritable();
    this.forget(sha256);
    const dir = quarantineDir(this.root);
    await this.fs.mkdir(dir, { recursive: true });
    const target = path.join(dir, `${sha256}.${Date.now()}.${(actual ?? 'unreadable').slice(0, 12)}.bad`);
    try {
      await this.fs.rename(finalPath(this.root, sha256), target);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT')
        throw new StoreIoError(`Could not quarantine ${sha256} in ${this.root}: ${(err as Error).message}`, {
          cause: err,
        });
    }
    await this.appendBestEffort(removeLine(sha256));
    this.logger.warn({ sha256, actual, quarantined: target }, 'cache: entry does not match its hash, quarantined');
    return target;
  }

  /** Removes an entry. Needs no free space (gc is the way out of a full disk): see appendBestEffort. */
  async remove(sha256: string): Promise<number> {
    this.assertWritable();
    const size = this.index.get(sha256)?.size ?? 0;
    this.forget(sha256);
    await this.fs.rm(finalPath(this.root, sha256), { force: true });
    await this.appendBestEffort(removeLine(sha256));
    return size;
  }

  /**
   * Compares a trusted entry with the disk (one stat): `missing` when it vanished, `changed` when its
   * size or mtime is no longer the one it was verified with (someone wrote to it), `unknown` when the
   * stat itself failed otherwise. Only a stat: content rewritten with size and mtime kept is for verify.
   */
  async check(sha256: string): Promise<EntryCheck> {
    const stamp = this.index.get(sha256);
    if (!stamp) return 'missing';
    try {
      const stat = await this.fs.stat(finalPath(this.root, sha256));
      return stat.isFile() && stat.size === stamp.size && stat.mtimeMs === stamp.mtimeMs ? 'ok' : 'changed';
    } catch (err) {
      const code = errnoCode(err);
      return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : 'unknown';
    }
  }

  /**
   * Stops trusting an entry that a check found missing or changed (it is reported missing from now
   * on and the sync loop fetches it again). Memory only: the journal needs no line, since the next
   * open trusts a file only when its size and mtime still match.
   */
  drop(sha256: string): void {
    this.forget(sha256);
  }

  /** @internal used by openStore while building the index. */
  record(sha256: string, stamp: VerifiedStamp): void {
    const previous = this.index.get(sha256);
    if (previous) this.bytes -= previous.size;
    this.index.set(sha256, stamp);
    this.bytes += stamp.size;
  }

  /**
   * @internal used by openStore when every stamp of the journal matched its file: the journal's map
   * becomes the index as it is (the store owns it from now on).
   */
  trustIndex(stamps: Map<string, VerifiedStamp>, bytes: number): void {
    if (this.index.size > 0) throw new Error('trustIndex on a store that already has entries');
    this.index = stamps;
    this.bytes = bytes;
  }

  /** @internal */
  noteShard(dir: string): void {
    this.knownShards.add(dir);
  }

  /** @internal the verified stamps, for compaction at open. */
  stamps(): ReadonlyMap<string, VerifiedStamp> {
    return this.index;
  }

  /**
   * A journal line that cannot be written (a full disk) costs one re-hash at the next open, never a
   * wrong answer: an added entry without its line is re-hashed, a removed one without its line is
   * simply not found by the walk. So no journal write may fail an operation, least of all gc.
   */
  private async appendBestEffort(lines: string): Promise<void> {
    await appendJournal(this.fs, this.root, lines).catch((err: unknown) => {
      this.logger.warn(
        { code: errnoCode(err) },
        'cache: journal line not written; the entry is re-checked at the next start',
      );
    });
  }

  private assertWritable(): void {
    if (!this.writable)
      throw new StoreIoError(
        `The cache at ${this.root} was opened read-only; this change needs the writer (the one holding its lock).`,
      );
  }

  private forget(sha256: string): void {
    const previous = this.index.get(sha256);
    if (!previous) return;
    this.bytes -= previous.size;
    this.index.delete(sha256);
  }
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
