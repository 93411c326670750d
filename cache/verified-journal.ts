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

/** What a read of the journal found: the live stamps, and how many lines it took (for compaction). */
export interface JournalContents {
  stamps: Map<string, VerifiedStamp>;
  lines: number;
}

export async function readJournal(fs: CacheFs, root: string): Promise<JournalContents> {
  let text: string;
  try {
    text = await fs.readFile(journalPath(root), 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { stamps: new Map(), lines: 0 };
    throw err;
  }
  return parseJournal(text);
}

const PLUS = 0x2b;
const MINUS = 0x2d;
const SPACE = 0x20;
const DOT = 0x2e;
/** `+ ` + 64 hex + ` ` + at least one digit of size, ` `, one of mtime. */
const SHORTEST_ADD = 2 + 64 + 1 + 1 + 1 + 1;

/**
 * Parses the journal by character codes, in one pass over the text (100,000 lines: a regex per line
 * cost about 2.5 µs each here, this about a third of it; docs/BENCHMARKS.md "Cache scale"). It
 * accepts exactly what the old `^\+ ([0-9a-f]{64}) (\d+) (\d+(?:\.\d+)?)$` and `^- ([0-9a-f]{64})$`
 * accepted; anything else is a torn line from a crash mid-append and is ignored, which only costs a
 * re-hash of that entry.
 */
export function parseJournal(text: string): JournalContents {
  const stamps = new Map<string, VerifiedStamp>();
  let lines = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lines += 1;
    const first = text.charCodeAt(start);
    if (
      first === PLUS &&
      end - start >= SHORTEST_ADD &&
      text.charCodeAt(start + 1) === SPACE &&
      text.charCodeAt(start + 66) === SPACE &&
      isLowerHex(text, start + 2, 64)
    ) {
      const gap = text.indexOf(' ', start + 67);
      if (gap > 0 && gap < end && isDecimal(text, start + 67, gap, false) && isDecimal(text, gap + 1, end, true))
        stamps.set(text.slice(start + 2, start + 66), {
          size: Number(text.slice(start + 67, gap)),
          mtimeMs: Number(text.slice(gap + 1, end)),
        });
    } else if (
      first === MINUS &&
      end - start === 66 &&
      text.charCodeAt(start + 1) === SPACE &&
      isLowerHex(text, start + 2, 64)
    )
      stamps.delete(text.slice(start + 2, start + 66));
    start = end + 1;
  }
  return { stamps, lines };
}

/** True when text[from, from + length) is all lowercase hex digits. */
export function isLowerHex(text: string, from: number, length: number): boolean {
  for (let i = from; i < from + length; i += 1) {
    const c = text.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** `\d+`, or with `fraction` `\d+(\.\d+)?`, over exactly [from, to). */
function isDecimal(text: string, from: number, to: number, fraction: boolean): boolean {
  if (to <= from) return false;
  let dot = -1;
  for (let i = from; i < to; i += 1) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) continue;
    if (c !== DOT || !fraction || dot >= 0 || i === from || i === to - 1) return false;
    dot = i;
  }
  return true;
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
