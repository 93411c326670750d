import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { syncDirectory } from '../base/atomic-file';
import type { CacheFs } from './cache-fs';
import { StoreIoError, errnoCode } from './errors';
import { GroupCommit } from './group-commit';
import { hashFile } from './hash-file';
import { FINAL_NAME_PATTERN, SHARD_PATTERN, finalPath, quarantineDir, shardDir, tempDir, tempName } from './layout';
import { reclaimStaleTemps } from './reclaim';
import { addLine, appendJournal, compactJournal, readJournal, removeLine, type VerifiedStamp } from './verified-journal';

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
}

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
  private readonly index = new Map<string, VerifiedStamp>();
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
  ) {
    this.commits = new GroupCommit({ syncFolder: syncDirectory, appendJournal: (lines) => appendJournal(fs, root, lines), logger });
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
    this.tempCounter += 1;
    const file = path.join(tempDir(this.root), tempName(sha256, this.pid, `${this.nonce}${this.tempCounter.toString(16)}`));
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
    await appendJournal(this.fs, this.root, addLine(sha256, { size: stat.size, mtimeMs: stat.mtimeMs }));
    return true;
  }

  /** Moves a bad file out of the final layout (kept for inspection under `.quarantine/`). */
  async quarantine(sha256: string, actual: string | null): Promise<string> {
    this.forget(sha256);
    const dir = quarantineDir(this.root);
    await this.fs.mkdir(dir, { recursive: true });
    const target = path.join(dir, `${sha256}.${Date.now()}.${(actual ?? 'unreadable').slice(0, 12)}.bad`);
    try {
      await this.fs.rename(finalPath(this.root, sha256), target);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw new StoreIoError(`Could not quarantine ${sha256} in ${this.root}: ${(err as Error).message}`, { cause: err });
    }
    await appendJournal(this.fs, this.root, removeLine(sha256));
    this.logger.warn({ sha256, actual, quarantined: target }, 'cache: entry does not match its hash, quarantined');
    return target;
  }

  async remove(sha256: string): Promise<number> {
    const size = this.index.get(sha256)?.size ?? 0;
    this.forget(sha256);
    await this.fs.rm(finalPath(this.root, sha256), { force: true });
    await appendJournal(this.fs, this.root, removeLine(sha256));
    return size;
  }

  /** @internal used by openStore while building the index. */
  record(sha256: string, stamp: VerifiedStamp): void {
    const previous = this.index.get(sha256);
    if (previous) this.bytes -= previous.size;
    this.index.set(sha256, stamp);
    this.bytes += stamp.size;
  }

  /** @internal */
  noteShard(dir: string): void {
    this.knownShards.add(dir);
  }

  /** @internal the verified stamps, for compaction at open. */
  stamps(): ReadonlyMap<string, VerifiedStamp> {
    return this.index;
  }

  private forget(sha256: string): void {
    const previous = this.index.get(sha256);
    if (!previous) return;
    this.bytes -= previous.size;
    this.index.delete(sha256);
  }
}

/**
 * Opens (creating if needed) a cache root: reclaims stale temp files, reads the verified journal,
 * walks the shards once and builds the in-memory index. Files whose stamp does not match are
 * returned as `unverified`, never trusted.
 */
export async function openStore({ root, fs, logger, pid = process.pid }: StoreOptions): Promise<OpenedStore> {
  try {
    await fs.mkdir(tempDir(root), { recursive: true });
  } catch (err) {
    throw new StoreIoError(`Cannot create the cache folder ${root}: ${(err as Error).message}. Check local_file_cache_path and its permissions.`, { cause: err });
  }
  const store = new ContentStore(root, fs, logger, pid, randomBytes(4).toString('hex'));
  const reclaimedTemps = await reclaimStaleTemps({ fs, root, logger, ownPid: pid, ownNonce: store.nonce });
  const journal = await readJournal(fs, root);
  const unverified: string[] = [];
  for (const shard of await fs.readdir(root, { withFileTypes: true })) {
    if (!shard.isDirectory() || !SHARD_PATTERN.test(shard.name)) continue;
    const dir = path.join(root, shard.name);
    store.noteShard(dir);
    for (const name of await fs.readdir(dir)) {
      const sha256 = FINAL_NAME_PATTERN.exec(name)?.[1];
      if (!sha256 || !sha256.startsWith(shard.name)) continue;
      const stat = await fs.stat(path.join(dir, name));
      const stamp = journal.get(sha256);
      if (stamp && stamp.size === stat.size && stamp.mtimeMs === stat.mtimeMs) store.record(sha256, stamp);
      else unverified.push(sha256);
    }
  }
  if (journal.size !== store.count || unverified.length > 0) await compactJournal(root, store.stamps());
  logger.info({ root, entries: store.count, bytes: store.totalBytes, unverified: unverified.length, reclaimedTemps }, 'cache: store opened');
  return { store, unverified, reclaimedTemps };
}
