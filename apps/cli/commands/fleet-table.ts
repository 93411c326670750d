import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isShareNoise } from '../../../provisioning/share-names';
import { FleetStatus, STATUS_DIR_NAME } from '../../../contracts/status-file';

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

/** Reads `<share>/status/*.json`; Syncthing temp files and conflict copies are not laptops. */
export async function readFleet(share: string, now: Date, staleAfterMs: number): Promise<Fleet> {
  const dir = path.join(share, STATUS_DIR_NAME);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { rows: [], problems: [], notes: [`${dir} does not exist yet: no laptop has reported.`] };
    throw err;
  }
  const rows: FleetRow[] = [];
  const problems: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.json') && !isShareNoise(n)).sort()) {
    try {
      const parsed = FleetStatus.safeParse(JSON.parse(await fs.readFile(path.join(dir, name), 'utf8')));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        problems.push(`${name}: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'is invalid'}`);
        continue;
      }
      const ageMs = now.getTime() - Date.parse(parsed.data.last_seen);
      rows.push({ status: parsed.data, ageMs, stale: ageMs > staleAfterMs });
    } catch (err) {
      problems.push(`${name}: ${err instanceof SyntaxError ? 'not valid JSON' : (err as Error).message}`);
    }
  }
  rows.sort((a, b) => a.status.hostname.localeCompare(b.status.hostname));
  return { rows, problems, notes: [] };
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

export function formatFleetTable(fleet: Fleet): string {
  const header = ['HOSTNAME', 'DEVICE', 'VERSION', 'STATE', 'CACHE', 'LAST SEEN'];
  const body = fleet.rows.map(({ status, stale, ageMs }) => [
    status.hostname,
    status.event_device_id ?? '-',
    status.app_version,
    stateCell(status),
    cacheCell(status.cache),
    `${formatAge(ageMs)}${stale ? ' STALE' : ''}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const stale = fleet.rows.filter((r) => r.stale).length;
  const summary = `${fleet.rows.length} laptop${fleet.rows.length === 1 ? '' : 's'}${stale ? `, ${stale} stale` : ''}`;
  return [line(header), ...body.map(line), '', summary, ...fleet.notes, ...fleet.problems.map((p) => `unreadable: ${p}`), ''].join('\n');
}
