import path from 'node:path';

/**
 * Where things live under the cache root. Final entries: `<root>/<2 hex>/<sha256>.file` (DESIGN §6).
 * Temp and quarantine folders start with a dot so they never look like a two-hex shard.
 */
export const FINAL_SUFFIX = '.file';
export const TEMP_DIR = '.tmp';
export const QUARANTINE_DIR = '.quarantine';
export const JOURNAL_FILE = '.verified.log';

export const SHARD_PATTERN = /^[0-9a-f]{2}$/;
export const FINAL_NAME_PATTERN = /^([0-9a-f]{64})\.file$/;
/** `<sha256>.<pid>.<random>.part`: the pid tells reclaim whether the writer is still alive. */
export const TEMP_NAME_PATTERN = /^([0-9a-f]{64})\.(\d+)\.([0-9a-f]+)\.part$/;

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
