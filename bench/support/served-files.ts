// Files for a real file server (nginx) laid out as the API serves them: `<root>/v3/files/<sha256>`, a
// plain folder. Random bytes (nothing compresses them on the way), hashed while written, flushed once
// at the end so no writeback of the generation runs inside a timed run.
import { createHash, randomFillSync } from 'node:crypto';
import { mkdir, open, rename } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';

export interface GeneratedFile {
  sha256: string;
  size: number;
}

const BLOCK = 16 * 1024 * 1024;

/** Writes one file of `size` random-looking bytes under `<root>/v3/files/` and returns its hash. */
export async function writeServedFile(root: string, size: number): Promise<GeneratedFile> {
  const dir = path.join(root, 'v3', 'files');
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.writing-${process.pid}`);
  const hash = createHash('sha256');
  // One random block, its first 8 bytes replaced by a counter per block: distinct blocks and files
  // without paying for random bytes per byte.
  const block = randomFillSync(Buffer.alloc(Math.min(BLOCK, size)));
  const handle = await open(temp, 'w');
  try {
    for (let offset = 0, n = 0; offset < size; offset += block.length, n += 1) {
      block.writeBigUInt64LE(BigInt(n), 0);
      const piece = block.subarray(0, Math.min(block.length, size - offset));
      hash.update(piece);
      await handle.write(piece, 0, piece.length, offset);
    }
  } finally {
    await handle.close();
  }
  const sha256 = hash.digest('hex');
  await rename(temp, path.join(dir, sha256));
  return { sha256, size };
}

export async function writeServedFiles(root: string, count: number, size: number): Promise<GeneratedFile[]> {
  const files: GeneratedFile[] = [];
  for (let i = 0; i < count; i += 1) files.push(await writeServedFile(root, size));
  return files;
}

/** Flushes the generated files so their writeback is not inside any timed run. */
export async function flushServedFiles(root: string): Promise<void> {
  await promisify(execFile)('sync', ['--file-system', root]);
}
