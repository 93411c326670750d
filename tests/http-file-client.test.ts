// The file client (cache/http-get.ts) against real servers on loopback: node:http and node:https
// servers for what well-behaved servers send, raw TCP servers for what misbehaving ones send.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FileHttpClient, HttpTimeoutError, type GetOptions, type GetResponse } from '../cache/http-get';
import { HttpProtocolError } from '../cache/http1-framing';
import { useCleanups } from './support/cleanups';
import { rawHttpServer } from './support/raw-http-server';

const cleanups = useCleanups();
const TLS_DIR = new URL('./fixtures/tls/', import.meta.url);
const tlsCert = readFileSync(new URL('cert.pem', TLS_DIR));
const tlsKey = readFileSync(new URL('key.pem', TLS_DIR));

function options(overrides: Partial<GetOptions> = {}): GetOptions {
  return {
    headers: {},
    signal: new AbortController().signal,
    headersTimeoutMs: 5_000,
    stallTimeoutMs: 5_000,
    ...overrides,
  };
}

function client(extra: Partial<ConstructorParameters<typeof FileHttpClient>[0]> = {}): FileHttpClient {
  const c = new FileHttpClient({ idleConnections: 2, readBufferBytes: 64 * 1024, ...extra });
  cleanups.push(() => c.close());
  return c;
}

async function listen(server: net.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  cleanups.push(() => (server as http.Server).closeAllConnections?.());
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A node:http server answering every request with `body`; counts connections and requests. */
async function bodyServer(body: Buffer, answer: (res: http.ServerResponse) => void = (res) => res.end(body)) {
  const seen = { connections: 0, requests: [] as http.IncomingHttpHeaders[] };
  const server = http.createServer((req, res) => {
    seen.requests.push(req.headers);
    answer(res);
  });
  server.on('connection', () => (seen.connections += 1));
  return { url: `http://${await listen(server)}/v3/files/x`, seen, server };
}

const rawServer = (onRequest: (socket: net.Socket, n: number) => void) => rawHttpServer(cleanups, onRequest);

/** Reads a body, copying each view (the client reuses its read buffer). */
async function readAll(response: GetResponse): Promise<Buffer> {
  const parts: Buffer[] = [];
  await response.readBody((chunk) => void parts.push(Buffer.from(chunk)));
  return Buffer.concat(parts);
}

describe('bodies', () => {
  it('reads a Content-Length body whole and reuses the connection for the next request', async () => {
    const body = randomBytes(5 * 1024 * 1024 + 7);
    const { url, seen } = await bodyServer(body);
    const c = client();
    for (let i = 0; i < 3; i += 1) {
      const response = await c.get(url, options({ headers: { 'X-Api-Key': 'k', range: 'bytes=0-' } }));
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-length']).toBe(String(body.length));
      expect((await readAll(response)).equals(body)).toBe(true);
    }
    expect(seen.connections).toBe(1);
    expect(seen.requests.map((h) => [h['x-api-key'], h.range, h.host])).toEqual(
      Array(3).fill(['k', 'bytes=0-', url.split('/')[2]]),
    );
  });

  it('reads a chunked body (a server that writes without a length) and reuses the connection', async () => {
    const pieces = [randomBytes(10), randomBytes(70_000), randomBytes(1), randomBytes(300_000)];
    const { url, seen } = await bodyServer(Buffer.alloc(0), (res) => {
      for (const piece of pieces) res.write(piece);
      res.end();
    });
    const c = client();
    for (let i = 0; i < 2; i += 1) {
      const response = await c.get(url, options());
      expect(response.headers['transfer-encoding']).toBe('chunked');
      expect((await readAll(response)).equals(Buffer.concat(pieces))).toBe(true);
    }
    expect(seen.connections).toBe(1);
  });

  it('reads a body that ends when the server closes, and never reuses that connection', async () => {
    const body = randomBytes(200_000);
    const server = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n');
      socket.end(body);
    });
    const c = client();
    expect((await readAll(await c.get(server.url, options()))).equals(body)).toBe(true);
    expect((await readAll(await c.get(server.url, options()))).equals(body)).toBe(true);
    expect(server.requests()).toBe(2);
  });

  it('skips an interim 100 Continue and answers with the final response', async () => {
    const server = await rawServer((socket) =>
      socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'),
    );
    const response = await client().get(server.url, options());
    expect(response.statusCode).toBe(200);
    expect((await readAll(response)).toString()).toBe('hello');
  });

  it('stops at Content-Length when the server sends more, and does not reuse that connection', async () => {
    const server = await rawServer((socket) =>
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA BYTES'),
    );
    const c = client();
    expect((await readAll(await c.get(server.url, options()))).toString()).toBe('hello');
    expect((await readAll(await c.get(server.url, options()))).toString()).toBe('hello');
    // The second request could not ride the first connection: its stray bytes made it untrustworthy.
    expect(server.connections()).toBe(2);
  });

  it('reads over https, checking the server certificate', async () => {
    const body = randomBytes(3 * 1024 * 1024);
    const server = https.createServer({ key: tlsKey, cert: tlsCert }, (_req, res) => res.end(body));
    const address = await listen(server);
    const response = await client({ ca: tlsCert }).get(`https://${address}/v3/files/x`, options());
    expect((await readAll(response)).equals(body)).toBe(true);
    // Without the test certificate as a trust anchor the same server is refused.
    await expect(client().get(`https://${address}/v3/files/x`, options())).rejects.toMatchObject({
      code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/),
    });
  });
});

describe('keep-alive', () => {
  it('does not reuse a connection whose response said Connection: close', async () => {
    const server = await rawServer((socket) =>
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'),
    );
    const c = client();
    expect((await readAll(await c.get(server.url, options()))).toString()).toBe('ok');
    expect((await readAll(await c.get(server.url, options()))).toString()).toBe('ok');
    expect(server.connections()).toBe(2);
  });

  it('retries on a new connection when the server closed the kept one', async () => {
    const body = randomBytes(1000);
    const { url, seen, server } = await bodyServer(body);
    const c = client();
    expect((await readAll(await c.get(url, options()))).equals(body)).toBe(true);
    // The server drops its idle connections; the client still holds its end as reusable.
    (server as http.Server).closeIdleConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await readAll(await c.get(url, options()))).equals(body)).toBe(true);
    expect(seen.connections).toBe(2);
  });

  it('a kept connection that resets before answering is retried once, not reported', async () => {
    const server = await rawServer((socket, n) => {
      if (n === 2) socket.destroy();
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const c = client();
    expect((await readAll(await c.get(server.url, options()))).toString()).toBe('ok');
    expect((await readAll(await c.get(server.url, options()))).toString()).toBe('ok');
    expect(server.requests()).toBe(3);
  });

  it('a new connection that resets is reported, not retried', async () => {
    const server = await rawServer((socket) => socket.destroy());
    await expect(client().get(server.url, options())).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(server.requests()).toBe(1);
  });
});

describe('backpressure and timeouts', () => {
  it('delivers nothing while the consumer waits, then the rest of the body', async () => {
    const body = randomBytes(4 * 1024 * 1024);
    const { url } = await bodyServer(body);
    const response = await client({ readBufferBytes: 16 * 1024 }).get(url, options());
    const parts: Buffer[] = [];
    let waiting = false;
    let deliveredWhileWaiting = 0;
    await response.readBody((chunk) => {
      if (waiting) deliveredWhileWaiting += 1;
      parts.push(Buffer.from(chunk));
      if (parts.length % 10 !== 0) return undefined;
      waiting = true;
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          waiting = false;
          resolve();
        }, 5),
      );
    });
    expect(deliveredWhileWaiting).toBe(0);
    expect(parts.length).toBeGreaterThan(20);
    expect(Buffer.concat(parts).equals(body)).toBe(true);
  });

  it('a consumer slower than the stall timeout is not a stalled server', async () => {
    const body = randomBytes(256 * 1024);
    const { url } = await bodyServer(body);
    const response = await client({ readBufferBytes: 64 * 1024 }).get(url, options({ stallTimeoutMs: 50 }));
    const parts: Buffer[] = [];
    await response.readBody((chunk) => {
      parts.push(Buffer.from(chunk));
      return new Promise((resolve) => setTimeout(resolve, 120));
    });
    expect(Buffer.concat(parts).equals(body)).toBe(true);
  });

  it('a body that goes silent fails with BODY_TIMEOUT after the bytes it had', async () => {
    const server = await rawServer((socket) =>
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789'),
    );
    const response = await client().get(server.url, options({ stallTimeoutMs: 100 }));
    let got = '';
    const failure = await response.readBody((chunk) => void (got += chunk.toString())).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(HttpTimeoutError);
    expect((failure as HttpTimeoutError).code).toBe('BODY_TIMEOUT');
    expect(got).toBe('0123456789');
  });

  it('a server that never answers fails with HEADERS_TIMEOUT', async () => {
    const server = await rawServer(() => undefined);
    await expect(client().get(server.url, options({ headersTimeoutMs: 100 }))).rejects.toMatchObject({
      code: 'HEADERS_TIMEOUT',
    });
  });

  it('a connection closed mid-body fails with ECONNRESET', async () => {
    const server = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort'));
    const response = await client().get(server.url, options());
    await expect(readAll(response)).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('an abort while waiting for the head ends the request with an AbortError', async () => {
    const server = await rawServer(() => undefined);
    const abort = new AbortController();
    const pending = client().get(server.url, options({ signal: abort.signal }));
    setTimeout(() => abort.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('an https body that goes silent fails with BODY_TIMEOUT', async () => {
    const server = https.createServer({ key: tlsKey, cert: tlsCert }, (_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('0123456789');
    });
    const address = await listen(server);
    const response = await client({ ca: tlsCert }).get(`https://${address}/f`, options({ stallTimeoutMs: 100 }));
    let got = '';
    const failure = await response.readBody((chunk) => void (got += chunk.toString())).catch((err: unknown) => err);
    expect(failure).toMatchObject({ code: 'BODY_TIMEOUT' });
    expect(got).toBe('0123456789');
  });

  it('an abort mid-body ends it with an AbortError', async () => {
    const server = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nab'));
    const abort = new AbortController();
    const response = await client().get(server.url, options({ signal: abort.signal }));
    const reading = readAll(response);
    setTimeout(() => abort.abort(), 20);
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('an error thrown by the consumer ends the body with that error', async () => {
    const { url } = await bodyServer(randomBytes(100_000));
    const response = await client().get(url, options());
    await expect(
      response.readBody(() => {
        throw new RangeError('disk full');
      }),
    ).rejects.toThrow('disk full');
  });
});

describe('hostile input', () => {
  it('refuses a header value with a line break (no request splitting), sending nothing', async () => {
    const server = await rawServer(() => undefined);
    await expect(client().get(server.url, options({ headers: { 'X-Api-Key': 'k\r\nX-Evil: 1' } }))).rejects.toThrow(
      TypeError,
    );
    await expect(client().get(server.url, options({ headers: { 'Bad Name': 'v' } }))).rejects.toThrow(TypeError);
    expect(server.requests()).toBe(0);
  });

  it('sends a header value byte for byte (latin1), and refuses characters beyond it', async () => {
    const { url, seen } = await bodyServer(Buffer.from('ok'));
    await readAll(await client().get(url, options({ headers: { 'X-Site': 'caf\u00e9' } })));
    expect(seen.requests[0]!['x-site']).toBe('caf\u00e9');
    await expect(client().get(url, options({ headers: { 'X-Site': 'caf\u00e9\u2603' } }))).rejects.toThrow(TypeError);
  });

  it('refuses a response head that never ends, without holding more than the limit', async () => {
    const server = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\n');
      const line = `X-Filler: ${'a'.repeat(1000)}\r\n`;
      for (let i = 0; i < 200; i += 1) socket.write(line);
    });
    await expect(client().get(server.url, options())).rejects.toBeInstanceOf(HttpProtocolError);
  });

  it('refuses garbage instead of a status line', async () => {
    const server = await rawServer((socket) => socket.write('SSH-2.0-OpenSSH\r\n\r\n'));
    await expect(client().get(server.url, options())).rejects.toBeInstanceOf(HttpProtocolError);
  });

  it('refuses a chunked body with an invalid chunk size', async () => {
    const server = await rawServer((socket) =>
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n'),
    );
    const response = await client().get(server.url, options());
    await expect(readAll(response)).rejects.toBeInstanceOf(HttpProtocolError);
  });
});
