import { randomBytes } from 'node:crypto';
import { syncDirectory } from '../base/atomic-file';
import type { CacheFs } from './cache-fs';
import { errnoCode } from './errors';
import { journalPath, journalTempPath } from './layout';

/**
 * The durable "this file was verified" marker: an append-only journal of `+ <sha> <size> <mtimeMs>`
 * and `- <sha>` lines. A file at a final name is trusted at start only when its size and mtime still
 * match its last `+` line; anything else is re-hashed once before use. A lost line (crash right after
 * a rename) therefore costs one re-hash, never a wrong answer.
 */
export interface VerifiedStamp {
  size: number;
  mtimeMs: number;
}

const ADD_LINE = /^\+ ([0-9a-f]{64}) (\d+) (\d+(?:\.\d+)?)$/;
const REMOVE_LINE = /^- ([0-9a-f]{64})$/;

export async function readJournal(fs: CacheFs, root: string): Promise<Map<string, VerifiedStamp>> {
  const stamps = new Map<string, VerifiedStamp>();
  let text: string;
  try {
    text = await fs.readFile(journalPath(root), 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return stamps;
    throw err;
  }
  for (const line of text.split('\n')) {
    const add = ADD_LINE.exec(line);
    if (add) {
      stamps.set(add[1]!, { size: Number(add[2]), mtimeMs: Number(add[3]) });
      continue;
    }
    const remove = REMOVE_LINE.exec(line);
    if (remove) stamps.delete(remove[1]!);
    // Anything else is a torn last line from a crash mid-append: ignoring it only costs a re-hash.
  }
  return stamps;
}

export function addLine(sha256: string, stamp: VerifiedStamp): string {
  return `+ ${sha256} ${stamp.size} ${stamp.mtimeMs}\n`;
}

export function removeLine(sha256: string): string {
  return `- ${sha256}\n`;
}

export async function appendJournal(fs: CacheFs, root: string, lines: string): Promise<void> {
  await fs.appendFile(journalPath(root), lines);
}

/**
 * Rewrites the journal to exactly the given entries, atomically: a temp file next to it (named so
 * reclaim recognises it), synced, renamed over. A failed write (a full disk) removes its temp file
 * before it rethrows, so nothing is left behind; the old journal is untouched then.
 */
export async function compactJournal(
  fs: CacheFs,
  root: string,
  stamps: ReadonlyMap<string, VerifiedStamp>,
  pid = process.pid,
): Promise<void> {
  let text = '';
  for (const [sha256, stamp] of stamps) text += addLine(sha256, stamp);
  const temp = journalTempPath(root, pid, randomBytes(4).toString('hex'));
  try {
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, journalPath(root));
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDirectory(root);
}
