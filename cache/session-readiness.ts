import type { SessionReadiness } from '../contracts/cache';

/**
 * Readiness per session (issue 12): a session is "show-ready" when every one of its files is present
 * and verified. A session that starts within the warning window and is not ready is "at risk", and the
 * tracker remembers from when, so the splash, `cache.status` and the fleet can say "not ready since
 * 13:32" instead of only "not ready".
 */
export interface SessionFile {
  sha256: string;
  session_id?: string | null;
  session_title?: string | null;
  session_starts_at?: string | null;
  session_ends_at?: string | null;
}

/** The record itself is the bridge's contract (contracts/cache.ts): the status file and the splash show the same one. */
export type { SessionReadiness };

export const AT_RISK_WINDOW_MS = 30 * 60_000;

/** Sessions in start order (sessions without a start last); files without a session are not a session. */
export function sessionReadiness(
  files: readonly SessionFile[],
  isPresent: (sha256: string) => boolean,
): Omit<SessionReadiness, 'at_risk_since'>[] {
  const sessions = new Map<string, Omit<SessionReadiness, 'at_risk_since'>>();
  for (const file of files) {
    if (!file.session_id) continue;
    let session = sessions.get(file.session_id);
    if (!session) {
      session = {
        id: file.session_id,
        title: file.session_title ?? null,
        starts_at: file.session_starts_at ?? null,
        ends_at: file.session_ends_at ?? null,
        files: 0,
        missing: 0,
        ready: true,
      };
      sessions.set(file.session_id, session);
    }
    session.files += 1;
    if (!isPresent(file.sha256)) {
      session.missing += 1;
      session.ready = false;
    }
  }
  const startOf = (s: { starts_at: string | null }) =>
    s.starts_at ? Date.parse(s.starts_at) : Number.POSITIVE_INFINITY;
  return [...sessions.values()].sort((a, b) => startOf(a) - startOf(b) || a.id.localeCompare(b.id));
}

/** Remembers, per session, the first check that found it at risk; forgets it once it is ready or over. */
export function createReadinessTracker(windowMs = AT_RISK_WINDOW_MS) {
  const since = new Map<string, string>();
  return {
    check(files: readonly SessionFile[], isPresent: (sha256: string) => boolean, now: Date): SessionReadiness[] {
      const seen = new Set<string>();
      const result = sessionReadiness(files, isPresent).map((session) => {
        seen.add(session.id);
        const start = session.starts_at ? Date.parse(session.starts_at) : null;
        const end = session.ends_at ? Date.parse(session.ends_at) : start;
        const atRisk =
          !session.ready && start !== null && start - now.getTime() <= windowMs && (end ?? start) >= now.getTime();
        if (!atRisk) {
          since.delete(session.id);
          return { ...session, at_risk_since: null };
        }
        if (!since.has(session.id)) since.set(session.id, now.toISOString());
        return { ...session, at_risk_since: since.get(session.id)! };
      });
      for (const id of since.keys()) if (!seen.has(id)) since.delete(id);
      return result;
    },
  };
}
