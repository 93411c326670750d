import { finalPath } from './layout';
import { hashFile } from './hash-file';
import type { DownloadScheduler } from './scheduler';
import type { VerifyReport } from '../contracts/cache';
import type { ContentStore } from './store';
import type { CacheFs } from './cache-fs';

export interface VerifyOptions {
  store: ContentStore;
  scheduler: DownloadScheduler;
  /** Files found at a final name but never verified: checked too when no list is given. */
  unverified: Set<string>;
  hashes?: readonly string[] | undefined;
  fs: CacheFs;
}

/**
 * Re-hashes entries on demand (all of them when no list is given) and quarantines every one whose
 * content no longer matches its name. Hashes being downloaded right now are skipped.
 */
export async function verifyEntries({
  store,
  scheduler,
  unverified,
  hashes,
  fs,
}: VerifyOptions): Promise<VerifyReport> {
  const targets = hashes ? [...new Set(hashes)] : [...store.hashes(), ...unverified];
  const report: VerifyReport = { checked: 0, ok: 0, quarantined: [] };
  for (const sha256 of targets) {
    if (scheduler.isActive(sha256)) continue;
    const known = store.has(sha256);
    if (!known && !unverified.has(sha256)) continue;
    report.checked += 1;
    if (!known) {
      unverified.delete(sha256);
      if (await store.adopt(sha256)) report.ok += 1;
      else report.quarantined.push({ sha256, actual: null, quarantinePath: '' });
      continue;
    }
    let actual: string | null;
    try {
      actual = (await hashFile(fs, finalPath(store.root, sha256))).sha256;
    } catch {
      // Unreadable or vanished: it cannot be trusted either way.
      actual = null;
    }
    if (actual === sha256) {
      report.ok += 1;
      continue;
    }
    const quarantinePath = await store.quarantine(sha256, actual);
    report.quarantined.push({ sha256, actual, quarantinePath });
  }
  return report;
}
