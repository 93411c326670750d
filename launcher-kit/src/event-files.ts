/**
 * The event's files as the page sees them (CONTRACTS.md "Event file", with the optional session
 * fields). Checked by hand rather than with zod: the kit ships in every launcher page and these few
 * fields do not justify a schema library in the page bundle.
 */
export interface LauncherFile {
  event_file_id: string;
  event_id: string;
  filename: string;
  sha256: string;
  size: number;
  updated_at: string;
  session_id: string | null;
  session_title: string | null;
  session_starts_at: string | null;
  session_ends_at: string | null;
}

export interface SessionGroup {
  /** null for the files that belong to the event as a whole. */
  id: string | null;
  title: string;
  starts_at: string | null;
  ends_at: string | null;
  files: LauncherFile[];
}

const SHA256 = /^[0-9a-f]{64}$/;
const MAX_NAME = 1024;

function text(value: unknown, max = MAX_NAME): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= max ? value : null;
}

function isoTime(value: unknown): string | null {
  const s = text(value, 64);
  return s !== null && !Number.isNaN(Date.parse(s)) ? s : null;
}

/** One raw item of `GET /v3/crud/event_file`, or null when it is not a usable file record. */
export function parseEventFile(raw: unknown): LauncherFile | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const sha256 = typeof r.sha256 === 'string' && SHA256.test(r.sha256) ? r.sha256 : null;
  const filename = text(r.filename);
  const size = typeof r.size === 'number' && Number.isSafeInteger(r.size) && r.size >= 0 ? r.size : null;
  if (!sha256 || !filename || size === null) return null;
  const sessionId = text(r.session_id, 256);
  return {
    event_file_id: text(r.event_file_id, 256) ?? `ef_${sha256.slice(0, 16)}`,
    event_id: text(r.event_id, 256) ?? '',
    filename,
    sha256,
    size,
    updated_at: isoTime(r.updated_at) ?? new Date(0).toISOString(),
    session_id: sessionId,
    session_title: sessionId ? (text(r.session_title, 512) ?? sessionId) : null,
    session_starts_at: sessionId ? isoTime(r.session_starts_at) : null,
    session_ends_at: sessionId ? isoTime(r.session_ends_at) : null,
  };
}

/** The usable files of a list answer; `dropped` counts the records that were not. */
export function parseEventFileList(body: unknown): { files: LauncherFile[]; dropped: number } {
  const items = typeof body === 'object' && body !== null ? (body as { items?: unknown }).items : undefined;
  if (!Array.isArray(items)) throw new Error('the API answered the event file list without an "items" array');
  const files: LauncherFile[] = [];
  for (const item of items) {
    const file = parseEventFile(item);
    if (file) files.push(file);
  }
  return { files, dropped: items.length - files.length };
}

function startOf(file: LauncherFile): number {
  return file.session_starts_at ? Date.parse(file.session_starts_at) : Number.POSITIVE_INFINITY;
}

/** Sessions in the order they start, the event-wide files last. */
export function groupBySession(files: readonly LauncherFile[], eventTitle = 'Event files'): SessionGroup[] {
  const groups = new Map<string | null, SessionGroup>();
  for (const file of files) {
    let group = groups.get(file.session_id);
    if (!group) {
      group = {
        id: file.session_id,
        title: file.session_title ?? eventTitle,
        starts_at: file.session_starts_at,
        ends_at: file.session_ends_at,
        files: [],
      };
      groups.set(file.session_id, group);
    }
    group.files.push(file);
  }
  return [...groups.values()].sort((a, b) => {
    if (a.id === null || b.id === null) return a.id === null ? (b.id === null ? 0 : 1) : -1;
    const byStart =
      (a.starts_at ? Date.parse(a.starts_at) : Infinity) - (b.starts_at ? Date.parse(b.starts_at) : Infinity);
    return byStart !== 0 ? byStart : a.title.localeCompare(b.title);
  });
}

/**
 * The order in which the main process should fetch the files: the session that starts next (or is
 * running) first, then the later ones, then sessions already over, then the event-wide files.
 */
export function syncOrder(files: readonly LauncherFile[], now: number): LauncherFile[] {
  const rank = (file: LauncherFile): [number, number] => {
    if (!file.session_id) return [3, 0];
    const ends = file.session_ends_at ? Date.parse(file.session_ends_at) : Infinity;
    if (ends < now) return [2, -startOf(file)];
    return [1, startOf(file)];
  };
  return files
    .map((file, index) => ({ file, index, rank: rank(file) }))
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.index - b.index)
    .map((entry) => entry.file);
}

/** `/events/<event_id>/launcher/<event_location_id>` from a launcher page's path, or null. */
export function placeFromPath(pathname: string): { eventId: string; locationId: string } | null {
  const match = /\/events\/([^/]+)\/launcher\/([^/]+)/.exec(pathname);
  if (!match?.[1] || !match[2]) return null;
  try {
    return { eventId: decodeURIComponent(match[1]), locationId: decodeURIComponent(match[2]) };
  } catch {
    return null;
  }
}
