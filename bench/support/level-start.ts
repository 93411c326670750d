// Every contender of a disk-writing benchmark starts from the same machine state. On this kind of VM
// the cost of writing into the page cache depends on what ran just before (docs/BENCHMARKS.md:
// recently freed pages are cheap, pages the guest handed back to the host cost several times more),
// so without this the contender that follows a flush-and-delete looks 2x faster than the one that
// follows a delete of dirty pages. Writing, flushing and deleting one file of `bytes` before each run
// gives every contender the same warm, clean page cache. Nothing of it is inside any timing.
import { open, rm } from 'node:fs/promises';
import path from 'node:path';

const BLOCK = 8 * 1024 * 1024;

export async function levelStart(dir: string, bytes: number): Promise<void> {
  const file = path.join(dir, 'level-start.tmp');
  const handle = await open(file, 'w');
  try {
    const block = Buffer.alloc(BLOCK, 0x5a);
    for (let written = 0; written < bytes; written += BLOCK) await handle.write(block, 0, BLOCK, written);
    await handle.datasync();
  } finally {
    await handle.close();
    await rm(file, { force: true });
  }
}
