import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';

/** No headers within `headersTimeoutMs`, or a body silent for `stallTimeoutMs` while it is awaited. */
export class HttpTimeoutError extends Error {
  override name = 'HttpTimeoutError';
  constructor(readonly code: 'HEADERS_TIMEOUT' | 'BODY_TIMEOUT', message: string) {
    super(message);
  }
}

export interface GetOptions {
  headers: Record<string, string>;
  signal: AbortSignal;
  headersTimeoutMs: number;
  stallTimeoutMs: number;
}

export interface GetResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** The body; rejects with an HttpTimeoutError when it stays silent too long while awaited. */
  body: AsyncIterable<Buffer>;
  /** Reads and drops the rest of a body that carries no file bytes, keeping the connection reusable. */
  discard(): void;
  /** Drops the connection (a body abandoned mid-transfer). */
  destroy(): void;
}

/**
 * GET for file bytes over node:http/https with keep-alive agents (one connection per download slot).
 * Not undici: its HTTP/1 parser, paused by body backpressure when a `Connection: close` response
 * ends, throws an uncatchable AssertionError from the socket's `end` handler (nodejs/undici#5360,
 * fixed after the 7.x line installed here), and a download paused on a slow disk is exactly that
 * case. node:http pauses the socket instead, and measured here it also reads with less CPU.
 */
export class FileHttpClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(connections: number) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: connections });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: connections });
  }

  get(url: string, options: GetOptions): Promise<GetResponse> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    return new Promise<GetResponse>((resolve, reject) => {
      const request = (secure ? https : http).request(target, {
        method: 'GET',
        headers: options.headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
        signal: options.signal,
      });
      const headersTimer = setTimeout(() => {
        request.destroy(new HttpTimeoutError('HEADERS_TIMEOUT', `no answer within ${options.headersTimeoutMs} ms`));
      }, options.headersTimeoutMs);
      request.once('error', (err) => {
        clearTimeout(headersTimer);
        reject(err);
      });
      request.once('response', (response) => {
        clearTimeout(headersTimer);
        resolve({
          statusCode: response.statusCode ?? 0,
          headers: response.headers,
          body: withStallTimeout(response, options.stallTimeoutMs),
          discard: () => void response.resume(),
          destroy: () => response.destroy(),
        });
      });
      request.end();
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** Arms the stall timer only while the next chunk is awaited, so a slow disk never counts as a stalled server. */
async function* withStallTimeout(response: IncomingMessage, stallTimeoutMs: number): AsyncGenerator<Buffer> {
  const chunks = response[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const stalled = () => response.destroy(new HttpTimeoutError('BODY_TIMEOUT', `no body bytes for ${stallTimeoutMs} ms`));
  for (;;) {
    const timer = setTimeout(stalled, stallTimeoutMs);
    let next: IteratorResult<Buffer>;
    try {
      next = await chunks.next();
    } finally {
      clearTimeout(timer);
    }
    if (next.done) return;
    yield next.value;
  }
}
