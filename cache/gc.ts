import path from 'node:path';
import type { Logger } from 'pino';
import type { CacheFs } from './cache-fs';
import { QUARANTINE_NAME_PATTERN, finalPath, quarantineDir } from './layout';
import type { DownloadScheduler } from './scheduler';
import type { CacheFile, GcReport } from '../contracts/cache';
import type { ContentStore } from './store';

export interface GcOptions {
  store: ContentStore;
  scheduler: DownloadScheduler;
  unverified: Set<string>;
  /** Hashes the caller wants kept. */
  keep: readonly string[];
  /** The page's current list: never removed, whatever `keep` says. */
  wanted: ReadonlyMap<string, CacheFile>;
  fs: CacheFs;
  logger: Logger;
}

/**
 * Removes every entry that is neither in `keep` nor in the current list (nor being downloaded), the
 * unverified files likewise, and the quarantine folder.
 */
export async function collectGarbage({
  store,
  scheduler,
  unverified,
  keep,
  wanted,
  fs,
  logger,
}: GcOptions): Promise<GcReport> {
  const keepSet = new Set(keep);
  const retained = (sha256: string) => keepSet.has(sha256) || wanted.has(sha256) || scheduler.isActive(sha256);
  const report: GcReport = { removed: [], freedBytes: 0, kept: 0 };
  for (const sha256 of [...store.hashes()]) {
    if (retained(sha256)) {
      report.kept += 1;
      continue;
    }
    report.freedBytes += await store.remove(sha256);
    report.removed.push(sha256);
  }
  for (const sha256 of [...unverified]) {
    if (retained(sha256)) continue;
    const file = finalPath(store.root, sha256);
    report.freedBytes += await fs.stat(file).then(
      (s) => s.size,
      () => 0,
    );
    await fs.rm(file, { force: true });
    unverified.delete(sha256);
    report.removed.push(sha256);
  }
  report.freedBytes += await clearQuarantine(fs, quarantineDir(store.root));
  logger.info({ removed: report.removed.length, freedBytes: report.freedBytes, kept: report.kept }, 'cache: gc done');
  return report;
}

/** Empties the quarantine of the files quarantine put there, and nothing else a user may keep in that folder. */
async function clearQuarantine(fs: CacheFs, dir: string): Promise<number> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  let freed = 0;
  for (const entry of entries) {
    if (!entry.isFile() || !QUARANTINE_NAME_PATTERN.test(entry.name)) continue;
    const file = path.join(dir, entry.name);
    freed += await fs.stat(file).then(
      (s) => s.size,
      () => 0,
    );
    await fs.rm(file, { force: true });
  }
  return freed;
}
