import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FINAL_NAME_PATTERN, quarantineDir, SHARD_PATTERN, QUARANTINE_NAME_PATTERN } from '../../../cache/layout';

/**
 * Read-only looks at a cache folder for the reports of `cache gc`: they never open the store (which
 * may write), so `gc --dry-run` changes nothing, and sizes are known before gc removes the files.
 */

/** Every file at a final entry name (`<2 hex>/<sha256>.file`), verified or not, with its size. */
export async function entriesOnDisk(root: string): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  const shards = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  for (const shard of shards) {
    if (!shard.isDirectory() || !SHARD_PATTERN.test(shard.name)) continue;
    const dir = path.join(root, shard.name);
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
      const sha256 = FINAL_NAME_PATTERN.exec(name)?.[1];
      if (!sha256 || !sha256.startsWith(shard.name)) continue;
      const stat = await fs.lstat(path.join(dir, name)).catch(() => null);
      if (stat?.isFile()) sizes.set(sha256, stat.size);
    }
  }
  return sizes;
}

/** What the quarantine folder holds (files moved aside by verify or a bad download): gc clears it. */
export async function quarantineContents(root: string): Promise<{ files: number; bytes: number }> {
  const dir = quarantineDir(root);
  // Only the cache's own quarantine names: gc empties nothing else there (a user's file stays).
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((name) =>
    QUARANTINE_NAME_PATTERN.test(name),
  );
  let bytes = 0;
  for (const name of names) bytes += (await fs.lstat(path.join(dir, name)).catch(() => null))?.size ?? 0;
  return { files: names.length, bytes };
}
