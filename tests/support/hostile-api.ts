import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import zlib from 'node:zlib';

/**
 * A real Aether API on loopback that misbehaves the ways issue 10 found: it echoes the API key or
 * the session token back in error bodies (raw, URL-encoded, base64, inside a Basic header), lists
 * another site's domain first, and answers the event-file list with a gzip bomb or an endless body.
 */
export type HostileMode =
  | 'ok'
  /** 400 on the identity exchange, the key in every shape in the body. */
  | 'echo-key-400'
  /** 500 on the device record, the (non-JWT) token in every shape in a text body. */
  | 'echo-token-500'
  /** The event-file list as a small gzip body that decompresses to `bombBytes`. */
  | 'gzip-bomb'
  /** The event-file list as an endless chunked body of valid-looking JSON. */
  | 'endless'
  /** The event-file list declaring a 1 GiB Content-Length (and sending only its start). */
  | 'declared-huge';

export interface HostileApiOptions {
  apiKey: string;
  /** A token that does not look like a JWT, so only exact masking can catch it. */
  token: string;
  appBaseUrl: string;
  /** The site-domain list, as the API returns it (the test decides the order). */
  siteDomains?: Array<{
    site_domain_id: string;
    app_base_url: string;
    site_domain: string;
    allowed_origins?: string[];
  }>;
  bombBytes?: number;
}

export interface HostileApi {
  url: string;
  mode: HostileMode;
  /** Bytes of the compressed bomb actually sent. */
  bombWireBytes(): number;
  close(): Promise<void>;
}

export function echoes(secret: string): string {
  const b64 = Buffer.from(secret).toString('base64');
  return [
    `raw ${secret}`,
    `url ${encodeURIComponent(secret)}`,
    `b64 ${b64}`,
    `b64url ${Buffer.from(secret).toString('base64url')}`,
    `basic ${Buffer.from(`device:${secret}`).toString('base64')}`,
    `hex ${Buffer.from(secret).toString('hex')}`,
    `upper ${secret.toUpperCase()}`,
  ].join(' | ');
}

/** Compressed once, before any measurement: spaces compress ~1000:1, so 512 MiB decoded is ~0.5 MiB here. */
async function gzipBomb(bytes: number): Promise<Buffer> {
  const gzip = zlib.createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gzip.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => gzip.on('end', resolve).on('error', reject));
  const block = Buffer.alloc(1 << 20, 0x20);
  gzip.write('{"items":[');
  for (let sent = 0; sent < bytes; sent += block.length) {
    if (!gzip.write(block)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await ended;
  return Buffer.concat(chunks);
}

export async function startHostileApi(options: HostileApiOptions, mode: HostileMode = 'ok'): Promise<HostileApi> {
  const sockets = new Set<Socket>();
  const bomb = options.bombBytes ? await gzipBomb(options.bombBytes) : Buffer.alloc(0);
  let bombSent = 0;
  const api: HostileApi = {
    url: '',
    mode,
    bombWireBytes: () => bombSent,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const json = (res: http.ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    req.resume();
    if (url.pathname === '/v3/health') return json(res, 200, { ok: true });
    if (url.pathname === '/v3/auth/device') {
      if (api.mode === 'echo-key-400') return json(res, 400, { error: `bad request: ${echoes(options.apiKey)}` });
      if (req.headers['x-api-key'] !== options.apiKey) return json(res, 401, { error: 'unauthorized' });
      return json(res, 200, { token: options.token, expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    }
    if (req.headers.authorization !== `Bearer ${options.token}`) return json(res, 401, { error: 'unauthorized' });
    const device = /^\/v3\/crud\/event_device\/([^/]+)$/.exec(url.pathname);
    if (device) {
      if (api.mode === 'echo-token-500') {
        return void res
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`upstream refused Authorization: Bearer ${options.token}; ${echoes(options.token)}`);
      }
      return json(res, 200, {
        event_device_id: device[1],
        event_id: 'ev1',
        event_location_id: 'loc1',
        app_base_url: options.appBaseUrl,
        mode: 'native',
      });
    }
    if (url.pathname === '/v3/crud/site_domain') return json(res, 200, { items: options.siteDomains ?? [] });
    if (url.pathname === '/v3/crud/event_file') {
      if (api.mode === 'gzip-bomb') {
        bombSent = bomb.length;
        return void res
          .writeHead(200, {
            'content-type': 'application/json',
            'content-encoding': 'gzip',
            'content-length': bomb.length,
          })
          .end(bomb);
      }
      if (api.mode === 'declared-huge') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1024 * 1024 * 1024) });
        return void res.write('{"items":[');
      }
      if (api.mode === 'endless') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"items":[');
        const item = Buffer.from(
          `${JSON.stringify({ event_file_id: 'f', event_id: 'ev1', filename: 'x.pdf', sha256: 'a'.repeat(64), size: 1, updated_at: '2026-01-01T00:00:00Z' })},`.repeat(
            1000,
          ),
        );
        // Bounded: 64 MiB at most, written as fast as the client reads it; the client must stop first.
        let left = Math.ceil((64 * 1024 * 1024) / item.length);
        const pump = () => {
          while (left > 0) {
            left -= 1;
            if (!res.write(item)) return void res.once('drain', pump);
          }
          res.end('{}]}');
        };
        res.on('close', () => (left = 0));
        return pump();
      }
      return json(res, 200, { items: [] });
    }
    return json(res, 404, { error: 'not found' });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}
