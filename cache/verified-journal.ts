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

/** What a read of the journal found: the live stamps, and how many well-formed lines it has (for compaction). */
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
  // A slice at a time with a turn of the event loop between: 100,000 lines in one go held the
  // main thread for about 300 ms on this machine.
  const contents: JournalContents = { stamps: new Map(), lines: 0 };
  const scan = new RegExp(LINE.source, 'gm');
  while (parseJournalSlice(text, scan, contents)) await new Promise<void>((resolve) => setImmediate(resolve));
  return contents;
}

/** Lines parsed in one turn of the event loop at most (about 30 ms here at a cold start)... */
export const JOURNAL_LINES_PER_TURN = 10_000;
/** ...or fewer, once a turn has taken this long (the first slices run before the JIT has optimised them). */
const SLICE_BUDGET_MS = 15;

/**
 * One well-formed line: `+ <sha> <size> <mtimeMs>` (groups 1–3) or `- <sha>` (group 4). The journal
 * is scanned with it in one pass (`gm`): a line that does not match as a whole, such as a torn last
 * line from a crash mid-append or a line a torn one ran into, is skipped, which only costs a re-hash
 * of that entry. One native scan beat both a regex per split line and a hand-written parser at a
 * cold start (10,000 lines: about 30, 40 and 65 ms; docs/BENCHMARKS.md "Cache scale").
 */
const LINE = /^(?:\+ ([0-9a-f]{64}) (\d+) (\d+(?:\.\d+)?)|- ([0-9a-f]{64}))$/;

export function parseJournal(text: string): JournalContents {
  const contents: JournalContents = { stamps: new Map(), lines: 0 };
  parseJournalSlice(text, new RegExp(LINE.source, 'gm'), contents, Infinity);
  return contents;
}

/** Parses up to `maxLines` more lines with `scan` (its lastIndex is the position); false at the end. */
function parseJournalSlice(
  text: string,
  scan: RegExp,
  into: JournalContents,
  maxLines = JOURNAL_LINES_PER_TURN,
): boolean {
  const { stamps } = into;
  const started = performance.now();
  for (let n = 0; n < maxLines; n += 1) {
    if ((n & 255) === 255 && maxLines !== Infinity && performance.now() - started > SLICE_BUDGET_MS) return true;
    const line = scan.exec(text);
    if (!line) return false;
    into.lines += 1;
    if (line[1] !== undefined) stamps.set(line[1], { size: Number(line[2]), mtimeMs: Number(line[3]) });
    else stamps.delete(line[4]!);
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
