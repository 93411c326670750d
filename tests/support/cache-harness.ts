import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../apps/common/logger';
import { nodeCacheFs, type CacheFs } from '../../cache/cache-fs';
import { staticFileSource, type FileSource } from '../../cache/file-source';
import { tempDir } from '../../cache/layout';
import { openCache, type Cache, type CacheDeps } from '../../cache/service';

export async function tempRoot(prefix = 'aether-cache-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function randomFile(size: number): { bytes: Buffer; sha256: string } {
  const bytes = randomBytes(size);
  return { bytes, sha256: sha256Of(bytes) };
}

/** A cache with fast retries and short stall timeouts, so fault tests finish quickly. */
export async function testCache(root: string, source: FileSource | string, overrides: Partial<CacheDeps> = {}): Promise<Cache> {
  return openCache({
    root,
    source: typeof source === 'string' ? staticFileSource([source], null) : source,
    logger: silentLogger(),
    periodMs: 60_000,
    transientRetryMs: 0,
    progressIntervalMs: 20,
    ...overrides,
    download: { maxAttempts: 3, maxIntegrityAttempts: 2, stallTimeoutMs: 300, headersTimeoutMs: 2_000, backoff: { baseMs: 5, maxMs: 20 }, ...overrides.download },
  });
}

export async function tempFiles(root: string): Promise<string[]> {
  return readdir(tempDir(root));
}

/** Counts every call the cache makes to the file system, by method name. */
export function countingFs(base: CacheFs = nodeCacheFs): { fs: CacheFs; counts: Record<string, number>; reset(): void } {
  const counts: Record<string, number> = {};
  const fs = new Proxy(base, {
    get(target, key: string) {
      const value = Reflect.get(target, key) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        counts[key] = (counts[key] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { fs, counts, reset: () => Object.keys(counts).forEach((k) => delete counts[k]) };
}

export async function removeRoot(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true });
}
