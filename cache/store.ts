import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { syncDirectory } from '../base/atomic-file';
import type { CacheFs } from './cache-fs';
import { StoreIoError, errnoCode } from './errors';
import { GroupCommit } from './group-commit';
import { hashFile } from './hash-file';
import { finalPath, quarantineDir, shardDir, tempDir, tempName } from './layout';
import { addLine, appendJournal, removeLine, type VerifiedStamp } from './verified-journal';

export interface StoreEntry {
  sha256: string;
  size: number;
  path: string;
}

export interface TempFile {
  path: string;
  handle: FileHandle;
}

/** What a stat of an entry says about the stamp it was trusted with (see `ContentStore.check`). */
export type EntryCheck = 'ok' | 'missing' | 'changed' | 'unknown';

/**
 * The content-addressed store: `<root>/<2 hex>/<sha256>.file`, plus an in-memory index of the entries
 * that have passed a hash check. Every read of "is it here" is a map lookup; the disk is walked once,
 * in `openStore` (open-store.ts). One store per root per process.
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
