import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { writeError } from '../http-json';
import type { PageSessions } from '../page-sessions';

/**
 * Serves a launcher built elsewhere (e.g. the SvelteKit example's `build/`, a single-page app) in
 * place of the demo launcher: `index.html` at every launcher URL, with the demo page session
 * cookie, and its own assets under `/_app/`. The page brings its own CSP (a meta tag).
 */
const LAUNCHER_PATH = /^\/events\/([^/]+)\/launcher\/([^/]+)\/?$/;
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export async function handleStaticLauncher(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  root: string,
  sessions: PageSessions,
): Promise<boolean> {
  const place = LAUNCHER_PATH.exec(url.pathname);
  if (!place && !url.pathname.startsWith('/_app/')) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    writeError(res, 405, 'method not allowed; use GET', { Allow: 'GET, HEAD' });
    return true;
  }
  const base = await realpath(root);
  const wanted = place ? path.join(base, 'index.html') : path.join(base, decodeURIComponentSafe(url.pathname));
  const file = await realpath(wanted).catch(() => null);
  // Only regular files inside the build folder: no `..`, no symlink out of it.
  if (!file || !file.startsWith(base + path.sep) || !(await stat(file)).isFile()) {
    writeError(res, 404, `no launcher asset at ${url.pathname}`);
    return true;
  }
  const body = await readFile(file);
  const headers: Record<string, string> = {
    'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'Content-Length': String(body.length),
    'Cache-Control': place ? 'no-cache' : 'public, max-age=31536000, immutable',
    'X-Content-Type-Options': 'nosniff',
  };
  if (place) {
    const cookie = sessions.cookieFor(req, decodeURIComponentSafe(place[1] ?? ''));
    if (cookie) headers['Set-Cookie'] = cookie;
  }
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}

function decodeURIComponentSafe(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
