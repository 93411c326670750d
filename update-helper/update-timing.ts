/**
 * When a staged update may be applied (issue 13): never while a presentation the app launched is
 * running, never inside a session window (from a margin before its start to its end). The answer is a
 * sentence for the status file's `update.waiting_for`, or null when the moment is quiet.
 */
export interface QuietMomentInput {
  now: Date;
  /** The file the app opened, while its presentation app still runs. */
  presenting: { filename: string } | null;
  sessions: ReadonlyArray<{ title: string | null; starts_at: string | null; ends_at: string | null }>;
  /** How long before a session starts an update is no longer applied (a swap and relaunch take time). */
  marginMs?: number;
  /** A session with no end is taken to last this long. */
  defaultSessionMs?: number;
}

export const SESSION_MARGIN_MS = 15 * 60_000;
export const DEFAULT_SESSION_MS = 60 * 60_000;

export function updateBlocker(input: QuietMomentInput): string | null {
  if (input.presenting) return `the presentation of ${input.presenting.filename} to end`;
  const now = input.now.getTime();
  const margin = input.marginMs ?? SESSION_MARGIN_MS;
  for (const session of input.sessions) {
    if (!session.starts_at) continue;
    const start = Date.parse(session.starts_at);
    const end = session.ends_at ? Date.parse(session.ends_at) : start + (input.defaultSessionMs ?? DEFAULT_SESSION_MS);
    if (now >= start - margin && now < end) {
      const name = session.title ? `the session "${session.title}"` : 'a session without a title';
      return now < start ? `${name}, about to start, to end` : `${name} to end`;
    }
  }
  return null;
}
