import { execFile } from 'node:child_process';
import { open, rmdir, statfs } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Cleanups } from './cleanups';

const run = promisify(execFile);

/**
 * Mounts a small real tmpfs on a fresh folder (the suites run as root) and unmounts it after the
 * test, whatever happened (a lazy unmount if something still holds a file open).
 */
export async function mountTmpfs(cleanups: Cleanups, sizeBytes: number): Promise<string> {
  const dir = await cleanups.tempDir('tmpfs');
  await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir]);
  cleanups.push(async () => {
    await run('umount', [dir]).catch(() => run('umount', ['-l', dir]));
    await rmdir(dir).catch(() => undefined);
  });
  return dir;
}

export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** Writes a filler file until the disk answers ENOSPC: afterwards not one more block fits. */
export async function fillDisk(file: string): Promise<void> {
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (let i = 0; i < 1_000_000; i += 1) {
      try {
        await handle.write(chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        break;
      }
    }
    // The last block may be partly free: fill it byte by byte.
    for (let i = 0; i < 1_000_000; i += 1) {
      try {
        await handle.write(Buffer.alloc(1, 1));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        break;
      }
    }
  } finally {
    await handle.close();
  }
}
