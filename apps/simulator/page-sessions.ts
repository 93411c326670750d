import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * DEMO ONLY: stands in for the real launcher's signed-in operator. The real launcher signs people
 * in with the site's own session; the simulator gives whoever loads a launcher page a cookie that
 * lets a plain browser list that event's files and fetch their bytes (CONTRACTS.md "A plain
 * browser's access"). Nothing else: no device record, no token, no other event.
 */
export const PAGE_SESSION_COOKIE = 'aether_demo_session';

/** Enough for any demo; the oldest sessions are forgotten first, so a crawler cannot grow the map. */
const MAX_SESSIONS = 10_000;

export class PageSessions {
  private readonly eventBySession = new Map<string, string>();

  /** The `Set-Cookie` value for a page of this event, or null when the caller already holds one for it. */
  cookieFor(req: IncomingMessage, eventId: string): string | null {
    if (this.eventOf(req) === eventId) return null;
    const token = randomBytes(24).toString('base64url');
    this.eventBySession.set(token, eventId);
    if (this.eventBySession.size > MAX_SESSIONS) {
      const oldest = this.eventBySession.keys().next().value;
      if (oldest !== undefined) this.eventBySession.delete(oldest);
    }
    return `${PAGE_SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict`;
  }

  /** The event the request's page session may read, or null without a valid one. */
  eventOf(req: IncomingMessage): string | null {
    const header = req.headers.cookie;
    if (!header) return null;
    for (const part of header.split(';')) {
      const [name, ...rest] = part.trim().split('=');
      if (name !== PAGE_SESSION_COOKIE) continue;
      const event = this.eventBySession.get(rest.join('='));
      if (event !== undefined) return event;
    }
    return null;
  }
}
