import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeError } from '../http-json';
import type { PageSessions } from '../page-sessions';
import { DemoBundleError } from './bundle';

export const LAUNCHER_SCRIPT_PATH = '/demo/launcher.js';

const LAUNCHER_PATH = /^\/events\/([^/]+)\/launcher\/([^/]+)\/?$/;

/** Same-origin script only; Svelte injects its component styles as <style> elements. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function launcherHtml(eventId: string, locationId: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Launcher · ${escapeHtml(eventId)} / ${escapeHtml(locationId)}</title>
<script src="${LAUNCHER_SCRIPT_PATH}" defer></script>
</head>
<body>
<div id="app"></div>
<noscript>The Aether demo launcher needs JavaScript.</noscript>
</body>
</html>
`;
}

/** The demo launcher page and its script; false when the path is neither. */
export async function handleDemoPage(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  bundle: () => Promise<string>,
  sessions: PageSessions,
): Promise<boolean> {
  const place = LAUNCHER_PATH.exec(url.pathname);
  if (!place && url.pathname !== LAUNCHER_SCRIPT_PATH) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    writeError(res, 405, 'method not allowed; use GET', { Allow: 'GET, HEAD' });
    return true;
  }
  if (place) {
    const [eventId, locationId] = [safeDecode(place[1] ?? ''), safeDecode(place[2] ?? '')];
    // Demo only: the page's session cookie stands in for a signed-in operator (page-sessions.ts).
    const cookie = sessions.cookieFor(req, eventId);
    send(res, req, 'text/html; charset=utf-8', launcherHtml(eventId, locationId), {
      'Content-Security-Policy': CSP,
      ...(cookie ? { 'Set-Cookie': cookie } : {}),
    });
    return true;
  }
  try {
    send(res, req, 'text/javascript; charset=utf-8', await bundle(), {});
  } catch (err) {
    if (!(err instanceof DemoBundleError)) throw err;
    writeError(res, 500, err.message);
  }
  return true;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function send(
  res: ServerResponse,
  req: IncomingMessage,
  type: string,
  body: string,
  headers: Record<string, string>,
): void {
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
