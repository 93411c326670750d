import { constants as fsConstants, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';

/**
 * Why a file in the Syncthing share was not read. Every peer can write the share, so each of these
 * is an input to refuse, never an exception to crash on; the codes are what states and logs carry.
 */
export type ShareReadProblem =
  'missing' | 'symlink' | 'not-a-file' | 'too-large' | 'unreadable' | 'path-not-a-folder' | 'io-error';

export class ShareReadError extends Error {
  override name = 'ShareReadError';
  constructor(
    readonly problem: ShareReadProblem,
    /** A fixed, content-free description: safe for the splash, the status file and logs. */
    readonly description: string,
    readonly errno?: string,
  ) {
    super(description);
  }
}

export interface ShareReadOptions {
  /** Refused before reading when the file is larger; a file growing past it while read is refused too. */
  maxBytes: number;
  /**
   * The share root. Every folder between it and the file must be a real folder, not a symlink, so a
   * peer cannot point `binaries/` or `seeds/` somewhere else on this laptop.
   */
  root?: string;
}

export interface ShareFile {
  bytes: Buffer;
  /** The stat of the descriptor that was read (not of the path, which can change meanwhile). */
  stat: Pick<Stats, 'ino' | 'size' | 'mtimeMs'>;
}

// O_NOFOLLOW refuses a symlink at open, so no one can swap one in between a check and the read.
// O_NONBLOCK keeps open() of a FIFO from waiting forever for a writer. Both are 0 where undefined (Windows).
const OPEN_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0);

/**
 * Reads a file of the share only if it is a regular file, reached without following a symlink, and
 * at most `maxBytes` long. The checks are made on the opened descriptor (fstat), so there is no gap
 * between checking and reading. Rejects only with a ShareReadError.
 */
export async function readShareFileSafely(file: string, options: ShareReadOptions): Promise<ShareFile> {
  const name = path.basename(file);
  if (options.root) await checkFoldersBetween(options.root, path.dirname(file));
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, OPEN_FLAGS);
  } catch (err) {
    throw await openFailure(file, name, err);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile())
      throw new ShareReadError('not-a-file', `${name} is ${describeType(st)}, not a regular file; it is not read`);
    if (st.size > options.maxBytes) throw tooLarge(name, st.size, options.maxBytes);
    const buffer = Buffer.alloc(Math.min(st.size, options.maxBytes) + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled > options.maxBytes) throw tooLarge(name, filled, options.maxBytes);
      if (filled === buffer.length) break;
    }
    if (filled === buffer.length) {
      // Grew while being read and filled the room past its stat size: read on, still capped.
      return { bytes: await readRest(handle, buffer, name, options.maxBytes), stat: st };
    }
    return { bytes: buffer.subarray(0, filled), stat: st };
  } catch (err) {
    if (err instanceof ShareReadError) throw err;
    throw errnoFailure(name, err);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

async function readRest(handle: fs.FileHandle, start: Buffer, name: string, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [start];
  let total = start.length;
  for (;;) {
    const chunk = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - total));
    if (chunk.length === 0) throw tooLarge(name, total, maxBytes);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) return Buffer.concat(chunks, total);
    chunks.push(chunk.subarray(0, bytesRead));
    total += bytesRead;
    if (total > maxBytes) throw tooLarge(name, total, maxBytes);
  }
}

/** Each folder from `root` (exclusive) down to `dir` must be a real folder, not a symlink. */
export async function checkFoldersBetween(root: string, dir: string): Promise<void> {
  const relative = path.relative(path.resolve(root), path.resolve(dir));
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new ShareReadError('path-not-a-folder', `${path.basename(dir)} is outside the share; it is not read`);
  }
  let current = path.resolve(root);
  for (const part of relative.split(path.sep).filter(Boolean)) {
    current = path.join(current, part);
    let st: Stats;
    try {
      st = await fs.lstat(current);
    } catch (err) {
      throw errnoFailure(part, err);
    }
    if (st.isSymbolicLink())
      throw new ShareReadError('symlink', `the share folder ${part} is a symbolic link; nothing is read through it`);
    if (!st.isDirectory())
      throw new ShareReadError('path-not-a-folder', `the share folder ${part} is ${describeType(st)}, not a folder`);
  }
}

async function openFailure(file: string, name: string, err: unknown): Promise<ShareReadError> {
  const code = (err as NodeJS.ErrnoException).code;
  // O_NOFOLLOW reports a symlink as ELOOP (EMLINK on some BSDs); lstat tells it from a real loop.
  if (code === 'ELOOP' || code === 'EMLINK') {
    const st = await fs.lstat(file).catch(() => null);
    if (st?.isSymbolicLink())
      return new ShareReadError(
        'symlink',
        `${name} is a symbolic link; the share's files are never followed through links`,
        code,
      );
  }
  return errnoFailure(name, err);
}

function errnoFailure(name: string, err: unknown): ShareReadError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return new ShareReadError('missing', `${name} does not exist (any more)`, code);
    case 'EACCES':
    case 'EPERM':
      return new ShareReadError('unreadable', `${name} cannot be read (permission denied)`, code);
    case 'EISDIR':
      return new ShareReadError('not-a-file', `${name} is a folder, not a regular file; it is not read`, code);
    case 'ENOTDIR':
      return new ShareReadError('path-not-a-folder', `a part of the path to ${name} is a file, not a folder`, code);
    case 'ELOOP':
    case 'EMLINK':
      return new ShareReadError('symlink', `the path to ${name} goes through symbolic links; it is not followed`, code);
    case 'ENXIO':
      return new ShareReadError(
        'not-a-file',
        `${name} is a socket or device, not a regular file; it is not read`,
        code,
      );
    default:
      return new ShareReadError(
        'io-error',
        `${name} could not be read (${typeof code === 'string' ? code : 'I/O error'})`,
        typeof code === 'string' ? code : undefined,
      );
  }
}

function tooLarge(name: string, size: number, maxBytes: number): ShareReadError {
  return new ShareReadError(
    'too-large',
    `${name} is ${formatBytes(size)}${size > maxBytes + 1 ? '' : ' or more'}, more than the ${formatBytes(maxBytes)} it may be; it is not read`,
  );
}

export function describeType(
  st: Pick<Stats, 'isDirectory' | 'isSymbolicLink' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>,
): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
