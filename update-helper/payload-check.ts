import { createHash } from 'node:crypto';
import { constants as fsConstants, createReadStream, promises as fs } from 'node:fs';
import { describeType } from '../provisioning/share-read';

/** What a build file in the share looks like against the size and SHA-256 that version.json promises. */
export type PayloadCheck =
  | { kind: 'missing' }
  | { kind: 'incomplete'; have: number; need: number }
  | { kind: 'too-large'; have: number; need: number }
  | { kind: 'hash-mismatch'; actual: string }
  /** A symlink, folder, FIFO or device where the build should be: never followed or read. */
  | { kind: 'not-a-file'; what: string }
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
 * counts as incomplete (a writer is still at work). The payload is opened once, without following a
 * symlink and without blocking on a FIFO, and sized and hashed through that descriptor: a peer cannot
 * point it at another file of this laptop or swap it between the check and the hash.
 */
export async function checkPayload(
  path: string,
  expected: ExpectedPayload,
  cache: PayloadHashCache,
  signal?: AbortSignal,
): Promise<PayloadCheck> {
  const handle = await openPayload(path);
  if (handle.kind !== 'open') return handle;
  const fd = handle.handle;
  try {
    const before = await fd.stat();
    if (!before.isFile()) return { kind: 'not-a-file', what: describeType(before) };
    if (before.size < expected.size) return { kind: 'incomplete', have: before.size, need: expected.size };
    if (before.size > expected.size) return { kind: 'too-large', have: before.size, need: expected.size };
    let actual = cache.lookup(path, before);
    if (!actual) {
      const hash = createHash('sha256');
      const stream = fd.createReadStream({
        highWaterMark: HASH_CHUNK,
        start: 0,
        end: expected.size - 1,
        autoClose: false,
        ...(signal ? { signal } : {}),
      });
      for await (const chunk of stream) hash.update(chunk as Buffer);
      actual = hash.digest('hex');
      const after = await statOrNull(path);
      if (!after || after.ino !== before.ino || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
        return { kind: 'incomplete', have: after?.size ?? 0, need: expected.size };
      }
      cache.remember(path, { ino: before.ino, size: before.size, mtimeMs: before.mtimeMs, sha256: actual });
    }
    return actual === expected.sha256 ? { kind: 'match' } : { kind: 'hash-mismatch', actual };
  } finally {
    await fd.close().catch(() => undefined);
  }
}

async function openPayload(
  path: string,
): Promise<{ kind: 'open'; handle: fs.FileHandle } | Extract<PayloadCheck, { kind: 'missing' | 'not-a-file' }>> {
  try {
    return { kind: 'open', handle: await fs.open(path, NO_FOLLOW_READ) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    if (code === 'ELOOP' || code === 'EMLINK') return { kind: 'not-a-file', what: 'a symbolic link' };
    if (code === 'EISDIR') return { kind: 'not-a-file', what: 'a folder' };
    if (code === 'ENXIO') return { kind: 'not-a-file', what: 'a socket or device' };
    throw err;
  }
}

const NO_FOLLOW_READ = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0);

async function statOrNull(path: string): Promise<{ ino: number; size: number; mtimeMs: number } | null> {
  try {
    const st = await fs.lstat(path);
    return st.isFile() ? { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs } : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
