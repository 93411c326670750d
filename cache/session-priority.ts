import type { SyncPriority } from '../contracts/cache';
import type { SessionFile } from './session-readiness';

/**
 * The sync order of an event's files (issue 12): the files of every session running at `now`
 * (started, not ended; a session without an end runs until the next one starts), then those of the
 * next session to start, then the rest: later sessions by start time, files of no session, sessions
 * already over. Returns the files in that order with their priority; the order within a priority is
 * the session order, so the queue (first asked, first served within a rank) follows it too.
 */
export function prioritiseBySession<T extends SessionFile>(
  files: readonly T[],
  now: Date,
): Array<{ file: T; priority: SyncPriority }> {
  const at = now.getTime();
  const startOf = (f: SessionFile) => (f.session_starts_at ? Date.parse(f.session_starts_at) : Number.NaN);
  const starts = [...new Set(files.map(startOf).filter((t) => Number.isFinite(t)))].sort((a, b) => a - b);
  const nextStart = starts.find((t) => t > at) ?? null;
  const endOf = (f: SessionFile, start: number) => {
    const end = f.session_ends_at ? Date.parse(f.session_ends_at) : Number.NaN;
    if (Number.isFinite(end)) return end;
    return starts.find((t) => t > start) ?? Number.POSITIVE_INFINITY;
  };
  const ranked = files.map((file, index) => {
    const start = startOf(file);
    let priority: SyncPriority = 'event';
    // Files of no session after every later session; sessions already over last.
    let order = Number.MAX_VALUE;
    if (file.session_id && Number.isFinite(start)) {
      const end = endOf(file, start);
      if (start <= at && at < end) priority = 'current-session';
      else if (start === nextStart) priority = 'next-session';
      order = start > at ? start : Number.POSITIVE_INFINITY;
    }
    return { file, priority, order, index };
  });
  const rank: Record<SyncPriority, number> = { 'current-session': 0, 'next-session': 1, event: 2 };
  ranked.sort((a, b) => rank[a.priority] - rank[b.priority] || a.order - b.order || a.index - b.index);
  return ranked.map(({ file, priority }) => ({ file, priority }));
}
