import type { SessionReadiness, StatusReport } from '../../../contracts/cache';

/**
 * The splash's readiness list (issue 12): sessions starting within 30 minutes that are not show-ready,
 * one line each, "Keynote 14:00 — not ready since 13:32, 3 of 12 files missing"; nothing when all is
 * fine. `at_risk_since` comes from the core's one tracker, so the splash, `cache.status` and the
 * status file say the same time.
 */

/** More than this is a room problem, not a list to read: the rest is counted. */
export const MAX_READINESS_LINES = 4;

/** HH:MM in the laptop's own time zone (what the room's clock shows). */
export function localTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '?';
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

export function readinessLine(session: SessionReadiness, time: (iso: string) => string = localTime): string | null {
  if (session.ready || !session.at_risk_since) return null;
  const name = session.title ?? session.id;
  const starts = session.starts_at ? ` ${time(session.starts_at)}` : '';
  return `${name}${starts} — not ready since ${time(session.at_risk_since)}, ${session.missing} of ${session.files} files missing`;
}

export function readinessLines(
  sessions: readonly SessionReadiness[],
  time: (iso: string) => string = localTime,
): string[] {
  const lines = sessions.flatMap((s) => readinessLine(s, time) ?? []);
  if (lines.length <= MAX_READINESS_LINES) return lines;
  const more = lines.length - (MAX_READINESS_LINES - 1);
  return [...lines.slice(0, MAX_READINESS_LINES - 1), `and ${more} more sessions not ready`];
}

export interface ReadinessListTarget {
  textContent: string | null;
  hidden: boolean;
}

/**
 * Asks `cache.status` (no hashes: only sessions and disk) now and every `everyMs`, and shows one line
 * per session at risk (the element keeps line breaks); a failed ask keeps the last list, since the
 * splash's main line already says when the bridge is gone. Returns the stop.
 */
export function mountReadinessList(
  target: ReadinessListTarget,
  status: () => Promise<Pick<StatusReport, 'sessions'>>,
  everyMs = 15_000,
): () => void {
  target.hidden = true;
  let stopped = false;
  const poll = async () => {
    try {
      const report = await status();
      if (stopped) return;
      const lines = readinessLines(report.sessions);
      target.textContent = lines.join('\n');
      target.hidden = lines.length === 0;
    } catch {
      // Kept as it was.
    }
  };
  void poll();
  const timer = setInterval(() => void poll(), everyMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
