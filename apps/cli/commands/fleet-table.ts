import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { isShareNoise } from '../../../provisioning/share-names';
import { FleetStatus, STATUS_DIR_NAME } from '../../../contracts/status-file';
import { columnsOf, padColumns, printableCapped } from '../terminal-text';

/** A status file is well under 2 KiB; anything far bigger is not one and is not read. */
export const MAX_STATUS_FILE_BYTES = 64 * 1024;
/** A fleet is tens of laptops; a folder of thousands of names is refused rather than read. */
export const MAX_STATUS_FILES = 5_000;
/** Table cells are peers' text: bounded so one file cannot push the table off the screen. */
const MAX_CELL = 40;

export interface FleetRow {
  status: FleetStatus;
  stale: boolean;
  ageMs: number;
}

export interface Fleet {
  rows: FleetRow[];
  /** Status files that could not be read, each with the reason. */
  problems: string[];
  /** Not problems, but worth saying (no status folder yet). */
  notes: string[];
}

/**
 * Reads `<share>/status/*.json`; Syncthing temp files and conflict copies are not laptops. Every
 * peer can write here, so: symbolic links are not followed, only regular files are opened (a FIFO
 * would block the read forever), sizes are capped before reading, and what is reported about a
 * file that cannot be used is sanitised (its name may hold escape sequences).
 */
export async function readFleet(share: string, now: Date, staleAfterMs: number): Promise<Fleet> {
  const dir = path.join(share, STATUS_DIR_NAME);
  const dirStat = await fs.lstat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (!dirStat) return { rows: [], problems: [], notes: [`${dir} does not exist yet: no laptop has reported.`] };
  if (!dirStat.isDirectory())
    return {
      rows: [],
      problems: [
        `${dir} is ${dirStat.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}; it is not followed. Make it a plain folder.`,
      ],
      notes: [],
    };
  const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.json') && !isShareNoise(n)).sort();
  const rows: FleetRow[] = [];
  const problems: string[] = [];
  if (names.length > MAX_STATUS_FILES)
    problems.push(`${dir} holds ${names.length} status files; only the first ${MAX_STATUS_FILES} were read.`);
  for (const name of names.slice(0, MAX_STATUS_FILES)) {
    const shown = printableCapped(name, 80);
    try {
      const text = await readStatusFile(path.join(dir, name));
      if (text.kind === 'skip') {
        problems.push(`${shown}: ${text.why}`);
        continue;
      }
      const parsed = FleetStatus.safeParse(JSON.parse(text.body));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        problems.push(
          `${shown}: ${printableCapped(`${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'is invalid'}`, 200)}`,
        );
        continue;
      }
      const ageMs = now.getTime() - Date.parse(parsed.data.last_seen);
      rows.push({ status: parsed.data, ageMs, stale: ageMs > staleAfterMs });
    } catch (err) {
      problems.push(
        `${shown}: ${err instanceof SyntaxError ? 'not valid JSON' : printableCapped((err as NodeJS.ErrnoException).code ?? (err as Error).message, 200)}`,
      );
    }
  }
  rows.sort((a, b) => a.status.hostname.localeCompare(b.status.hostname));
  return { rows, problems, notes: [] };
}

/**
 * One status file, or why it is skipped. lstat refuses links and non-files before opening; the open
 * itself does not follow a link (O_NOFOLLOW) and cannot block (O_NONBLOCK), and fstat checks the file
 * that was actually opened, so a swap between the two looks cannot get past either.
 */
async function readStatusFile(file: string): Promise<{ kind: 'skip'; why: string } | { kind: 'read'; body: string }> {
  const before = await fs.lstat(file);
  if (before.isSymbolicLink()) return { kind: 'skip', why: 'a symbolic link; not followed' };
  if (!before.isFile()) return { kind: 'skip', why: 'not a regular file; skipped' };
  if (before.size > MAX_STATUS_FILE_BYTES)
    return {
      kind: 'skip',
      why: `${before.size} bytes, more than a status file can be (${MAX_STATUS_FILE_BYTES}); not read`,
    };
  const handle = await fs.open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) return { kind: 'skip', why: 'not a regular file; skipped' };
    const buffer = Buffer.alloc(MAX_STATUS_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_STATUS_FILE_BYTES)
      return { kind: 'skip', why: `more than ${MAX_STATUS_FILE_BYTES} bytes; not read` };
    return { kind: 'read', body: buffer.subarray(0, bytesRead).toString('utf8') };
  } finally {
    await handle.close();
  }
}

export function formatAge(ms: number): string {
  if (ms < 0) return 'in the future (clock skew)';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.floor(hours / 24)} d ago`;
}

function cacheCell(cache: FleetStatus['cache']): string {
  if (cache.files === 0) return '-';
  const have = Math.max(0, cache.files - cache.missing);
  return `${have}/${cache.files} (${Math.floor((have / cache.files) * 100)}%)`;
}

function stateCell(status: FleetStatus): string {
  const { update } = status;
  if (update.last_error) return `${status.state}, update failed`;
  if (update.staged) return `${status.state}, ${update.staged} staged`;
  return status.state;
}

/** HH:MM on this computer's clock (the one the ops desk reads). */
function clockTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '?';
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** At most this many at-risk sessions per laptop under the table; the dashboard shows the rest. */
const MAX_AT_RISK_PER_LAPTOP = 3;

/**
 * Sessions starting within 30 minutes that a laptop says are not show-ready, and since when (its own
 * tracker's `at_risk_since`): "lectern-b: Keynote 14:00 not ready since 13:32, 3 of 12 files missing".
 */
export function atRiskLines(fleet: Fleet): string[] {
  return fleet.rows.flatMap(({ status }) =>
    (status.sessions ?? [])
      .filter((s) => !s.ready && s.at_risk_since)
      .slice(0, MAX_AT_RISK_PER_LAPTOP)
      .map((s) => {
        const missing = s.files !== undefined ? `${s.missing} of ${s.files} files missing` : `${s.missing} missing`;
        const starts = s.starts_at ? ` ${clockTime(s.starts_at)}` : '';
        return printableCapped(
          `${status.hostname}: ${s.title ?? s.id}${starts} not ready since ${clockTime(s.at_risk_since!)}, ${missing}`,
          300,
        );
      }),
  );
}

export function formatFleetTable(fleet: Fleet): string {
  const header = ['HOSTNAME', 'DEVICE', 'VERSION', 'STATE', 'CACHE', 'LAST SEEN'];
  const body = fleet.rows.map(({ status, stale, ageMs }) =>
    [
      status.hostname,
      status.event_device_id ?? '-',
      status.app_version,
      stateCell(status),
      cacheCell(status.cache),
      `${formatAge(ageMs)}${stale ? ' STALE' : ''}`,
    ].map((cell) => printableCapped(cell, MAX_CELL)),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => columnsOf(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => padColumns(c, widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const stale = fleet.rows.filter((r) => r.stale).length;
  const summary = `${fleet.rows.length} laptop${fleet.rows.length === 1 ? '' : 's'}${stale ? `, ${stale} stale` : ''}`;
  const problems = fleet.problems.map((p) => `unreadable: ${printableCapped(p, 300)}`);
  return [
    line(header),
    ...body.map(line),
    '',
    summary,
    ...atRiskLines(fleet),
    ...fleet.notes.map((n) => printableCapped(n, 300)),
    ...problems,
    '',
  ].join('\n');
}
