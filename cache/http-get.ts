import { Connection, StaleConnectionError } from './http-connection';
import type { GetOptions, GetResponse } from './http-exchange';

export { HttpTimeoutError, type BodyConsumer, type GetOptions, type GetResponse } from './http-exchange';

export interface FileHttpClientOptions {
  /** Connections kept open between downloads, per server. */
  idleConnections: number;
  /** Bytes one socket read may return: large reads are what makes this client cheap per byte. */
  readBufferBytes?: number;
  /** How long an unused connection is kept before it is closed. */
  idleTimeoutMs?: number;
  /** Extra trust anchors for https (tests use a self-signed certificate). */
  ca?: string | Buffer;
}

const DEFAULT_READ_BUFFER_BYTES = 1024 * 1024;
/** Below the 5 s keep-alive timeout of Node servers and common proxies, so a kept connection is rarely stale. */
const DEFAULT_IDLE_TIMEOUT_MS = 4_000;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * GET for file bytes over HTTP/1.1, written for throughput: each connection reads into one reused
 * buffer of `readBufferBytes` (net/tls `onread`), so a 1 GiB body costs about a thousand reads and
 * callbacks instead of node:http's sixteen thousand 64 KiB chunks, each pushed through the parser,
 * a Readable and an async iterator (measured in docs/BENCHMARKS.md). It speaks only what a file
 * download needs: one GET at a time per connection, Content-Length, chunked and close-delimited
 * bodies, keep-alive reuse. Not undici: see docs/ARCHITECTURE.md (nodejs/undici#5360).
 */
export class FileHttpClient {
  private readonly idle = new Map<string, Connection[]>();
  private readonly live = new Set<Connection>();
  private readonly options: Required<Omit<FileHttpClientOptions, 'ca'>> & { ca?: string | Buffer };

  constructor(options: FileHttpClientOptions) {
    this.options = { readBufferBytes: DEFAULT_READ_BUFFER_BYTES, idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS, ...options };
  }

  async get(url: string, options: GetOptions): Promise<GetResponse> {
    const target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:')
      throw new TypeError(`not an http(s) URL: ${target.protocol}`);
    const request = requestHead(target, options.headers);
    const reused = this.takeIdle(target.origin);
    if (reused) {
      try {
        return await reused.exchange(request, options);
      } catch (err) {
        if (!(err instanceof StaleConnectionError)) throw err;
      }
    }
    return this.connect(target).exchange(request, options);
  }

  close(): void {
    for (const connection of this.live) connection.destroy();
    this.idle.clear();
  }

  private connect(target: URL): Connection {
    const connection = new Connection(target, this.options, {
      release: (c) => this.release(target.origin, c),
      closed: (c) => {
        this.live.delete(c);
        const pool = this.idle.get(target.origin);
        if (pool?.includes(c)) pool.splice(pool.indexOf(c), 1);
      },
    });
    this.live.add(connection);
    return connection;
  }

  private takeIdle(origin: string): Connection | undefined {
    const pool = this.idle.get(origin);
    let connection = pool?.pop();
    while (connection && !connection.usable) connection = pool?.pop();
    connection?.leaveIdle();
    return connection;
  }

  private release(origin: string, connection: Connection): void {
    const pool = this.idle.get(origin) ?? [];
    this.idle.set(origin, pool);
    if (pool.length >= this.options.idleConnections) {
      connection.destroy();
      return;
    }
    pool.push(connection);
    connection.enterIdle(this.options.idleTimeoutMs);
  }
}

function requestHead(target: URL, headers: Record<string, string>): string {
  let head = `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    // A CR or LF in a value would let it write headers of its own (request splitting).
    if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(value))
      throw new TypeError(`the request header ${JSON.stringify(name.slice(0, 40))} has characters HTTP does not allow`);
    if (name.toLowerCase() === 'host' || name.toLowerCase() === 'connection') continue;
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n`;
}
