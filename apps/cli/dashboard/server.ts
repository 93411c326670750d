import { constants as fsConstants, promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { STATUS_DIR_NAME } from '../../../contracts/status-file';
import { createShareWatcher } from '../../../provisioning/share-watcher';
import { readFleet } from '../commands/fleet-table';
import { DASHBOARD_PAGE } from './page';

/**
 * `aether-native fleet serve`: a local page for ops that shows every laptop of the share as a card and
 * updates live. The status folder is watched (a change is only a reason to read it again); each read
 * is pushed to every open page as a server-sent event. Everything shown comes from files any peer can
 * write, so the page renders it as text only, and only plain `<hostname>.png` screenshots are served.
 */
export interface DashboardOptions {
  share: string;
  host?: string;
  port?: number;
  staleAfterMs: number;
  logger: Logger;
  /** Re-read at least this often so "last seen" and staleness move without a file change. */
  refreshMs?: number;
  /** Open pages at once; more are refused with 503 (each holds a connection). */
  maxClients?: number;
}

export interface Dashboard {
  url: string;
  /** How many fleet snapshots have been pushed (tests count work, not time). */
  pushes(): number;
  close(): Promise<void>;
}

const SCREENSHOT_NAME = /^[a-z0-9-]{1,63}\.png$/;
const MAX_SCREENSHOT_BYTES = 5 * 1024 * 1024;

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const statusDir = path.join(options.share, STATUS_DIR_NAME);
  const clients = new Set<http.ServerResponse>();
  const maxClients = options.maxClients ?? 50;
  let latest = '';
  let pushes = 0;
  let reading: Promise<void> = Promise.resolve();

  const snapshot = async (): Promise<string> => {
    try {
      const fleet = await readFleet(options.share, new Date(), options.staleAfterMs);
      return JSON.stringify({
        share: options.share,
        now: new Date().toISOString(),
        staleAfterMs: options.staleAfterMs,
        ...fleet,
      });
    } catch (err) {
      return JSON.stringify({
        share: options.share,
        now: new Date().toISOString(),
        staleAfterMs: options.staleAfterMs,
        rows: [],
        problems: [`the status folder cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`],
        notes: [],
      });
    }
  };
  const push = () => {
    reading = reading.then(async () => {
      latest = await snapshot();
      pushes += 1;
      for (const client of clients) client.write(`event: fleet\ndata: ${latest}\n\n`);
    });
    return reading;
  };

  const server = http.createServer((request, response) => {
    handle(request, response).catch((err: unknown) => {
      options.logger.error({ err }, 'dashboard: request failed');
      if (!response.headersSent) response.writeHead(500).end('internal error');
      else response.end();
    });
  });

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://dashboard');
    if (request.method !== 'GET') return void response.writeHead(405, { Allow: 'GET' }).end();
    const security = { 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };
    if (url.pathname === '/') {
      response.writeHead(200, {
        ...security,
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy':
          "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'",
      });
      return void response.end(DASHBOARD_PAGE);
    }
    if (url.pathname === '/api/fleet') {
      await reading;
      response.writeHead(200, { ...security, 'Content-Type': 'application/json' });
      return void response.end(latest || (await snapshot()));
    }
    if (url.pathname === '/events') {
      if (clients.size >= maxClients) return void response.writeHead(503, security).end('too many open dashboards');
      response.writeHead(200, { ...security, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
      clients.add(response);
      request.on('close', () => clients.delete(response));
      await reading;
      response.write(`event: fleet\ndata: ${latest || (await snapshot())}\n\n`);
      return;
    }
    const screenshot = /^\/screenshots\/(.+)$/.exec(url.pathname)?.[1];
    if (screenshot && SCREENSHOT_NAME.test(screenshot))
      return serveScreenshot(path.join(statusDir, screenshot), response, security);
    response.writeHead(404, security).end('not found');
  }

  const watcher = createShareWatcher({
    dir: statusDir,
    logger: options.logger,
    debounceMs: 100,
    rescanMs: 10_000,
    onSnapshot: () => void push(),
  });
  const tick = setInterval(() => void push(), options.refreshMs ?? 30_000);
  tick.unref();
  await push();
  await watcher.start();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/`,
    pushes: () => pushes,
    async close() {
      clearInterval(tick);
      await watcher.close();
      for (const client of clients) client.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await reading;
    },
  };
}

/** A screenshot is a peer's file: a regular file only (never through a symlink), size-capped. */
async function serveScreenshot(
  file: string,
  response: http.ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch {
    return void response.writeHead(404, headers).end('no screenshot');
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > MAX_SCREENSHOT_BYTES)
      return void response.writeHead(404, headers).end('no screenshot');
    const bytes = Buffer.alloc(stat.size);
    await handle.read(bytes, 0, stat.size, 0);
    // The page asks with ?at=<last_seen>, so a cached copy is only reused for the same report.
    response.writeHead(200, {
      ...headers,
      'Cache-Control': 'private, max-age=3600',
      'Content-Type': 'image/png',
      'Content-Length': String(bytes.length),
    });
    response.end(bytes);
  } finally {
    await handle.close();
  }
}
