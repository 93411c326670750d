import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../base/logger';
import { nodeCacheFs, type CacheFs } from '../../cache/cache-fs';
import { staticFileSource, type FileSource } from '../../cache/file-source';
import { finalPath, journalPath, tempDir } from '../../cache/layout';
import { openCache, type Cache, type CacheDeps } from '../../cache/service';
import { startFaultServer, type FaultServer } from '../fault-server';
import { addLine } from '../../cache/verified-journal';

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
export async function testCache(
  root: string,
  source: FileSource | string,
  overrides: Partial<CacheDeps> = {},
): Promise<Cache> {
  return openCache({
    root,
    source: typeof source === 'string' ? staticFileSource([source], null) : source,
    logger: silentLogger(),
    periodMs: 60_000,
    transientRetryMs: 0,
    progressIntervalMs: 20,
    ...overrides,
    download: {
      maxAttempts: 3,
      maxIntegrityAttempts: 2,
      stallTimeoutMs: 300,
      headersTimeoutMs: 2_000,
      backoff: { initialDelayMs: 5, maxDelayMs: 20, factor: 2, jitter: 1 },
      ...overrides.download,
    },
  });
}

export async function tempFiles(root: string): Promise<string[]> {
  return readdir(tempDir(root));
}

/** Counts every call the cache makes to the file system, by method name. */
export function countingFs(base: CacheFs = nodeCacheFs): {
  fs: CacheFs;
  counts: Record<string, number>;
  reset(): void;
} {
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

/**
 * Writes `count` small entries at their final names with journal lines, as a cache that verified them
 * earlier would have left them: the next open trusts them without hashing. Returns their hashes.
 */
export async function seedJournaledEntries(root: string, count: number): Promise<string[]> {
  // Sync calls: seeding is set-up, not what a test observes, and 5,000 awaited writes took seconds.
  const hashes: string[] = [];
  const shards = new Set<string>();
  let journal = '';
  for (let i = 0; i < count; i += 1) {
    const bytes = Buffer.from(`entry ${i}`);
    const sha256 = sha256Of(bytes);
    const file = finalPath(root, sha256);
    const shard = path.dirname(file);
    if (!shards.has(shard)) mkdirSync(shard, { recursive: true });
    shards.add(shard);
    writeFileSync(file, bytes);
    const { size, mtimeMs } = statSync(file);
    journal += addLine(sha256, { size, mtimeMs });
    hashes.push(sha256);
  }
  await appendFile(journalPath(root), journal);
  return hashes;
}

/** A fresh cache root and fault server, the per-test fixture of the cache suites. */
export async function openCacheFixture(): Promise<{ root: string; server: FaultServer }> {
  return { root: await tempRoot(), server: await startFaultServer() };
}

export async function closeCacheFixture({ root, server }: { root: string; server: FaultServer }): Promise<void> {
  await server.close();
  await removeRoot(root);
}
