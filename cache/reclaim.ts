import path from 'node:path';
import type { Logger } from 'pino';
import type { CacheFs } from './cache-fs';
import { TEMP_NAME_PATTERN, tempDir } from './layout';

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
 * Removes temp files whose writer is gone (a crash or SIGKILL mid-download) and anything in the temp
 * folder that is not a temp file. Returns how many files were removed.
 */
export async function reclaimStaleTemps({ fs, root, logger, ownPid, ownNonce, isProcessAlive = processIsAlive }: ReclaimOptions): Promise<number> {
  const dir = tempDir(root);
  const names = await fs.readdir(dir);
  let removed = 0;
  for (const name of names) {
    const match = TEMP_NAME_PATTERN.exec(name);
    const pid = match ? Number(match[2]) : NaN;
    const nonce = match?.[3] ?? '';
    const stale = !match || (pid === ownPid ? !nonce.startsWith(ownNonce) : !isProcessAlive(pid));
    if (!stale) continue;
    await fs.rm(path.join(dir, name), { force: true, recursive: true });
    removed += 1;
  }
  if (removed > 0) logger.info({ removed, dir }, 'cache: reclaimed stale temp files');
  return removed;
}
