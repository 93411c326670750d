import { promises as fsp } from 'node:fs';
import { errnoCode, NotEnoughSpaceError } from './errors';

/** Free bytes for an unprivileged writer at `dir` (statfs `bavail × bsize`), or null where statfs is unavailable. */
export type FreeBytes = (dir: string) => Promise<number | null>;

export const statfsFreeBytes: FreeBytes = async (dir) => {
  try {
    const stats = await fsp.statfs(dir);
    return Number(stats.bavail) * Number(stats.bsize);
  } catch (err) {
    // No statfs here (or the folder is gone): the write itself will say ENOSPC if it comes to that.
    if (errnoCode(err) === 'ENOSYS' || errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTSUP') return null;
    throw err;
  }
};

/**
 * Free space left on the disk after every download already running gets the bytes it still needs,
 * so two large files that each fit alone are not both started when only one fits. A download
 * reserves its size before its temp file exists and gives it back when it ends. One per cache.
 */
export class SpaceBudget {
  private reserved = 0;

  constructor(
    private readonly freeBytes: FreeBytes = statfsFreeBytes,
    /** Headroom never handed to a download, so the journal, logs and the OS still have room. */
    private readonly minFreeBytes = DEFAULT_MIN_FREE_BYTES,
  ) {}

  /**
   * Reserves `size` bytes (unknown size: only the headroom is checked), or throws NotEnoughSpaceError
   * naming the file, what it needs and what is free. Returns the release.
   */
  async reserve(dir: string, name: string, size: number | null): Promise<() => void> {
    const free = await this.freeBytes(dir);
    const needed = size ?? 0;
    if (free !== null) {
      const has = Math.max(0, free - this.reserved - this.minFreeBytes);
      if (needed > has || (size === null && has === 0))
        throw new NotEnoughSpaceError(name, needed + (size === null ? 1 : 0), has, dir);
    }
    this.reserved += needed;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.reserved -= needed;
    };
  }

  get reservedBytes(): number {
    return this.reserved;
  }
}

/** 16 MiB: a few journal appends, a log file and the OS's own writes; small beside any presentation. */
export const DEFAULT_MIN_FREE_BYTES = 16 * 1024 * 1024;
