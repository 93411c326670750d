import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { serialRerun } from '../base/serial-rerun';
import { PresentationRecord, presentationLogName } from '../contracts/presentation-log';
import { STATUS_DIR_NAME } from '../contracts/status-file';

/**
 * The proof-of-presentation log: every open is appended (and flushed) to a local journal first, so
 * it survives a share that is away, a crash and a restart; `deliver()` appends to the share's file
 * the lines whose `seq` it does not hold yet. The share's file is read back before each append, so a
 * delivery cut short anywhere is completed next time and no line is ever delivered twice.
 */
export type DeliveryOutcome =
  | { kind: 'delivered'; lines: number }
  | { kind: 'waiting'; code: 'share-missing' | 'status-not-a-folder' }
  | { kind: 'failed'; code: 'share-log-not-a-file' | 'share-log-too-large' | 'write-failed'; message: string };

export interface PresentationLogDeps {
  /** The local journal, e.g. `<stateDir>/presentations.jsonl`. */
  journalPath: string;
  shareRoot: string;
  hostname: string;
  logger: Logger;
  now?: () => Date;
  /** The share's file is read back whole before appending: past this it is refused, not read. */
  maxShareLogBytes?: number;
}

export interface PresentationLog {
  record(
    open: Pick<PresentationRecord, 'event_device_id' | 'event_file_id' | 'sha256' | 'filename'>,
  ): Promise<PresentationRecord>;
  deliver(): Promise<DeliveryOutcome>;
  /** Lines in the local journal not yet seen in the share (after the last delivery). */
  pending(): number;
}

const OPEN_APPEND = fsConstants.O_RDWR | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW;
const OPEN_READ = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;

/** Parses JSON lines, keeping those that match the schema; a torn or foreign line is skipped. */
function parseLines(text: string): PresentationRecord[] {
  const records: PresentationRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const parsed = PresentationRecord.safeParse(JSON.parse(line));
      if (parsed.success) records.push(parsed.data);
    } catch {
      // A line cut short by a crash, or a peer's garbage: never a reason to lose the others.
    }
  }
  return records;
}

async function appendLines(file: string, records: PresentationRecord[]): Promise<void> {
  const handle = await fs.open(file, OPEN_APPEND, 0o644);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw Object.assign(new Error(`${file} is not a regular file`), { code: 'ENOTREG' });
    // A line torn by an earlier crash must not swallow the next one.
    const lead = stat.size > 0 && !(await endsWithNewline(handle, stat.size)) ? '\n' : '';
    await handle.write(lead + records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function endsWithNewline(handle: fs.FileHandle, size: number): Promise<boolean> {
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  return last[0] === 0x0a;
}

export async function openPresentationLog(deps: PresentationLogDeps): Promise<PresentationLog> {
  const now = deps.now ?? (() => new Date());
  const maxShareLogBytes = deps.maxShareLogBytes ?? 16 * 1024 * 1024;
  const log = deps.logger.child({ module: 'presentation-log' });
  const statusDir = path.join(deps.shareRoot, STATUS_DIR_NAME);
  const shareFile = path.join(statusDir, presentationLogName(deps.hostname));
  await fs.mkdir(path.dirname(deps.journalPath), { recursive: true });
  const journal = parseLines(
    await fs
      .readFile(deps.journalPath, 'utf8')
      .catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? '' : Promise.reject(err))),
  );
  let lastSeq = journal.reduce((max, r) => Math.max(max, r.seq), 0);
  let deliveredSeq = 0;
  let lastOutcome: DeliveryOutcome = { kind: 'delivered', lines: 0 };

  async function readShareSeq(): Promise<number | DeliveryOutcome> {
    const dir = await fs.lstat(statusDir).catch(() => null);
    if (!dir) return { kind: 'waiting', code: 'share-missing' };
    if (!dir.isDirectory()) return { kind: 'waiting', code: 'status-not-a-folder' };
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(shareFile, OPEN_READ);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return 0;
      return {
        kind: 'failed',
        code: 'share-log-not-a-file',
        message: `${presentationLogName(deps.hostname)} in the share cannot be opened as a plain file (${code})`,
      };
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile())
        return {
          kind: 'failed',
          code: 'share-log-not-a-file',
          message: `${presentationLogName(deps.hostname)} in the share is not a regular file`,
        };
      if (stat.size > maxShareLogBytes)
        return {
          kind: 'failed',
          code: 'share-log-too-large',
          message: `${presentationLogName(deps.hostname)} in the share is over ${maxShareLogBytes} bytes; move it aside to resume delivery`,
        };
      const text = (await handle.readFile()).toString('utf8');
      return parseLines(text)
        .filter((r) => r.hostname === deps.hostname)
        .reduce((max, r) => Math.max(max, r.seq), 0);
    } finally {
      await handle.close();
    }
  }

  async function deliverNow(): Promise<void> {
    const inShare = await readShareSeq();
    if (typeof inShare !== 'number') {
      lastOutcome = inShare;
      return;
    }
    deliveredSeq = inShare;
    const missing = journal.filter((r) => r.seq > inShare);
    if (missing.length === 0) {
      lastOutcome = { kind: 'delivered', lines: 0 };
      return;
    }
    try {
      await appendLines(shareFile, missing);
      deliveredSeq = missing[missing.length - 1]!.seq;
      lastOutcome = { kind: 'delivered', lines: missing.length };
      log.info({ lines: missing.length }, 'proof of presentation delivered to the share');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      lastOutcome =
        code === 'ELOOP' || code === 'ENOTREG'
          ? {
              kind: 'failed',
              code: 'share-log-not-a-file',
              message: `${presentationLogName(deps.hostname)} in the share is not a regular file`,
            }
          : {
              kind: 'failed',
              code: 'write-failed',
              message: `proof of presentation could not be written to the share (${code}); kept locally`,
            };
    }
  }
  const delivery = serialRerun(deliverNow, () => true);

  return {
    async record(open) {
      const record = PresentationRecord.parse({
        seq: lastSeq + 1,
        at: now().toISOString(),
        hostname: deps.hostname,
        ...open,
      });
      await appendLines(deps.journalPath, [record]);
      lastSeq = record.seq;
      journal.push(record);
      return record;
    },
    async deliver() {
      await delivery.run();
      if (lastOutcome.kind === 'failed') log.warn({ code: lastOutcome.code }, lastOutcome.message);
      return lastOutcome;
    },
    pending: () => journal.filter((r) => r.seq > deliveredSeq).length,
  };
}
