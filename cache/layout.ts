import path from 'node:path';

/**
 * Where things live under the cache root. Final entries: `<root>/<2 hex>/<sha256>.file` (DESIGN §6).
 * Temp and quarantine folders start with a dot so they never look like a two-hex shard.
 */
export const FINAL_SUFFIX = '.file';
export const TEMP_DIR = '.tmp';
export const QUARANTINE_DIR = '.quarantine';
export const JOURNAL_FILE = '.verified.log';
/** The one-writer-per-root lock (lock.ts): a symlink whose target names the holder. */
export const LOCK_FILE = '.aether-cache.lock';

export const SHARD_PATTERN = /^[0-9a-f]{2}$/;
export const FINAL_NAME_PATTERN = /^([0-9a-f]{64})\.file$/;
/** `<sha256>.<pid>.<random>.part`: the pid tells reclaim whether the writer is still alive. */
export const TEMP_NAME_PATTERN = /^([0-9a-f]{64})\.(\d+)\.([0-9a-f]+)\.part$/;
/**
 * `.verified.log.<pid>.<random>.tmp` in the root: a journal compaction that did not finish (the pid
 * tells whether its writer is gone). Reclaim removes these and TEMP_NAME_PATTERN files, nothing else:
 * the root may be a folder the API chose (`local_file_cache_path`) that also holds a user's files.
 */
export const JOURNAL_TEMP_PATTERN = /^\.verified\.log\.(\d+)\.([0-9a-f]+)\.tmp$/;
/** `<sha256>.<ms>.<12 hex or "unreadable">.bad`: what quarantine writes, the only names gc empties. */
export const QUARANTINE_NAME_PATTERN = /^[0-9a-f]{64}\.\d+\.(?:[0-9a-f]{1,12}|unreadable)\.bad$/;

export function shardDir(root: string, sha256: string): string {
  return path.join(root, sha256.slice(0, 2));
}

export function finalPath(root: string, sha256: string): string {
  return path.join(root, sha256.slice(0, 2), `${sha256}${FINAL_SUFFIX}`);
}

export function tempDir(root: string): string {
  return path.join(root, TEMP_DIR);
}

export function tempName(sha256: string, pid: number, nonce: string): string {
  return `${sha256}.${pid}.${nonce}.part`;
}

export function quarantineDir(root: string): string {
  return path.join(root, QUARANTINE_DIR);
}

export function journalPath(root: string): string {
  return path.join(root, JOURNAL_FILE);
}

export function journalTempPath(root: string, pid: number, nonce: string): string {
  return path.join(root, `${JOURNAL_FILE}.${pid}.${nonce}.tmp`);
}

export function lockPath(root: string): string {
  return path.join(root, LOCK_FILE);
}
