import path from 'node:path';
import type { Logger } from 'pino';
import type { CacheFs } from './cache-fs';
import { errnoCode } from './errors';
import { JOURNAL_TEMP_PATTERN, TEMP_NAME_PATTERN, tempDir } from './layout';

export interface ReclaimOptions {
  fs: CacheFs;
  root: string;
  logger: Logger;
  /** This process and store instance: its own live temp files are not stale. */
  ownPid: number;
  ownNonce: string;
  isProcessAlive?: (pid: number) => boolean;
}

/** True unless the OS says no such process exists (EPERM means it exists but is not ours). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files of writers that are gone (a crash or SIGKILL mid-download, a compaction
 * cut short by a full disk). Only regular files whose whole name matches one of the cache's own temp
 * patterns are candidates: the root can be any folder the API names (`local_file_cache_path`), so a
 * user's `.tmp/notes.txt` or `.tmp/project/` is never touched, not even looked into. Returns how many
 * files were removed.
 */
export async function reclaimStaleTemps({
  fs,
  root,
  logger,
  ownPid,
  ownNonce,
  isProcessAlive = processIsAlive,
}: ReclaimOptions): Promise<number> {
  const stale = (pid: number, nonce: string) => (pid === ownPid ? !nonce.startsWith(ownNonce) : !isProcessAlive(pid));
  const candidates: string[] = [];
  const dir = tempDir(root);
  for (const entry of await listFiles(fs, dir)) {
    const match = TEMP_NAME_PATTERN.exec(entry);
    if (match && stale(Number(match[2]), match[3]!)) candidates.push(path.join(dir, entry));
  }
  for (const entry of await listFiles(fs, root)) {
    const match = JOURNAL_TEMP_PATTERN.exec(entry);
    // A compaction is never left behind by a live store of this process: any nonce is stale then.
    if (match && (Number(match[1]) === ownPid || !isProcessAlive(Number(match[1]))))
      candidates.push(path.join(root, entry));
  }
  let removed = 0;
  for (const file of candidates) {
    // Not recursive: a name of ours that is a folder was not made by us and is left alone.
    await fs.rm(file, { force: true }).then(
      () => (removed += 1),
      (err: unknown) => logger.warn({ file, code: errnoCode(err) }, 'cache: could not remove a stale temp file'),
    );
  }
  if (removed > 0) logger.info({ removed, root }, 'cache: reclaimed stale temp files');
  return removed;
}

/** The names of the regular files directly in `dir` (none when it does not exist). */
async function listFiles(fs: CacheFs, dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return [];
    throw err;
  }
}
