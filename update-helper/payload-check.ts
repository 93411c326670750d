import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';

/** What a build file in the share looks like against the size and SHA-256 that version.json promises. */
export type PayloadCheck =
  | { kind: 'missing' }
  | { kind: 'incomplete'; have: number; need: number }
  | { kind: 'too-large'; have: number; need: number }
  | { kind: 'hash-mismatch'; actual: string }
  | { kind: 'match' };

export interface ExpectedPayload {
  size: number;
  sha256: string;
}

interface HashedFile {
  ino: number;
  size: number;
  mtimeMs: number;
  sha256: string;
}

/**
 * Remembers the hash of each file by (inode, size, mtime), so an unchanged payload is hashed once
 * however many events and re-scans arrive.
 */
export class PayloadHashCache {
  private readonly byPath = new Map<string, HashedFile>();

  lookup(path: string, st: { ino: number; size: number; mtimeMs: number }): string | null {
    const hit = this.byPath.get(path);
    return hit && hit.ino === st.ino && hit.size === st.size && hit.mtimeMs === st.mtimeMs ? hit.sha256 : null;
  }

  remember(path: string, file: HashedFile): void {
    this.byPath.set(path, file);
  }
}

/** Large reads: SHA-256 over the default 64 KiB stream chunks runs at half speed (DESIGN §6). */
const HASH_CHUNK = 1 << 20;

export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const stream = createReadStream(path, { highWaterMark: HASH_CHUNK, signal });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Compares a payload with what version.json promises. Never throws for a payload that is simply not
 * there yet or still growing; those are states to wait in. A file that changes while it is hashed
 * counts as incomplete (a writer is still at work).
 */
export async function checkPayload(path: string, expected: ExpectedPayload, cache: PayloadHashCache, signal?: AbortSignal): Promise<PayloadCheck> {
  const before = await statOrNull(path);
  if (!before) return { kind: 'missing' };
  if (before.size < expected.size) return { kind: 'incomplete', have: before.size, need: expected.size };
  if (before.size > expected.size) return { kind: 'too-large', have: before.size, need: expected.size };
  let actual = cache.lookup(path, before);
  if (!actual) {
    actual = await sha256File(path, signal);
    const after = await statOrNull(path);
    if (!after || after.ino !== before.ino || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
      return { kind: 'incomplete', have: after?.size ?? 0, need: expected.size };
    }
    cache.remember(path, { ino: before.ino, size: before.size, mtimeMs: before.mtimeMs, sha256: actual });
  }
  return actual === expected.sha256 ? { kind: 'match' } : { kind: 'hash-mismatch', actual };
}

async function statOrNull(path: string): Promise<{ ino: number; size: number; mtimeMs: number } | null> {
  try {
    const st = await fs.stat(path);
    return st.isFile() ? { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs } : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
