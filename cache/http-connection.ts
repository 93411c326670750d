import type net from 'node:net';
import { HttpTimeoutError, type BodyConsumer, type GetOptions, type GetResponse } from './http-exchange';
import { connectSocket } from './http-socket';
import { ChunkedDecoder, bodyFraming, parseResponseHead, type BodyFraming, type ResponseHead } from './http1-framing';

/** What a connection needs of the client's options. */
export interface ConnectionOptions {
  readBufferBytes: number;
  ca?: string | Buffer;
}

/** A kept connection that the server had closed before our request reached it: retried on a new one. */
export class StaleConnectionError extends Error {
  override name = 'StaleConnectionError';
}

export interface ConnectionOwner {
  release(connection: Connection): void;
  closed(connection: Connection): void;
}

interface Exchange {
  options: GetOptions;
  state: 'head' | 'waiting' | 'body' | 'done';
  headBytes: Buffer;
  /** Body bytes that arrived with the head, before `readBody` was called. */
  early: Buffer | null;
  framing: BodyFraming;
  head: ResponseHead | null;
  left: number;
  chunked: ChunkedDecoder | null;
  consume: BodyConsumer | null;
  gotBytes: boolean;
  reusable: boolean;
  /** Why the exchange ended early, for a `readBody` that comes after the failure. */
  failure: unknown;
  resolveHead: (response: GetResponse) => void;
  rejectHead: (err: unknown) => void;
  resolveBody: () => void;
  rejectBody: (err: unknown) => void;
  headersTimer: NodeJS.Timeout | null;
  /** Checks the body's rate once per `minRate.windowMs`. */
  rateTimer: NodeJS.Timeout | null;
  windowBytes: number;
  /** The consumer held the body back during this window (backpressure): the window does not count. */
  heldThisWindow: boolean;
  deadlineTimer: NodeJS.Timeout | null;
  onAbort: () => void;
}

/** One socket and the one exchange at a time that it carries (the client in http-get.ts pools them). */
export class Connection {
  private readonly socket: net.Socket;
  private exchangeNow: Exchange | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private pausedByBody = false;
  private used = false;
  /** The current read buffer holds a body's first bytes until `readBody`: the next read needs another. */
  private readBufferKept = false;

  constructor(
    target: URL,
    options: ConnectionOptions,
    private readonly owner: ConnectionOwner,
  ) {
    // The same buffer for every read, except after one was kept as a body's first bytes (see readHead):
    // then the other of two. The kept one is free again once `startBody` has handed those bytes to the
    // consumer (which may not keep them: BodyConsumer), and that happens before the exchange can end
    // and the next one on this connection can read its head. Before, each response took a fresh
    // 1 MiB buffer: a GC cost per file that showed as event-loop delay under a sync (open under load).
    let readBuffer = Buffer.allocUnsafe(options.readBufferBytes);
    let otherBuffer: typeof readBuffer | null = null;
    const onread = {
      buffer: () => {
        if (this.readBufferKept) {
          const kept = readBuffer;
          readBuffer = otherBuffer ?? Buffer.allocUnsafe(options.readBufferBytes);
          otherBuffer = kept;
        }
        this.readBufferKept = false;
        return readBuffer;
      },
      callback: (n: number, buffer: Uint8Array) => this.read(buffer as Buffer, n),
    };
    this.socket = connectSocket(target, options.ca, onread);
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('end', () => this.ended());
    this.socket.on('close', () => this.ended());
    this.socket.on('timeout', () =>
      this.fail(
        new HttpTimeoutError('BODY_TIMEOUT', `no body bytes for ${this.exchangeNow?.options.stallTimeoutMs} ms`),
      ),
    );
  }

  get usable(): boolean {
    return !this.closed && !this.socket.destroyed;
  }

  enterIdle(timeoutMs: number): void {
    this.idleTimer = setTimeout(() => this.destroy(), timeoutMs);
    this.idleTimer.unref();
  }

  leaveIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  destroy(): void {
    this.socket.destroy();
    this.ended();
  }

  exchange(request: string, options: GetOptions): Promise<GetResponse> {
    const reused = this.used;
    this.used = true;
    return new Promise<GetResponse>((resolveHead, rejectHead) => {
      if (options.signal.aborted) {
        rejectHead(abortError());
        return;
      }
      const exchange: Exchange = {
        options,
        state: 'head',
        headBytes: Buffer.alloc(0),
        early: null,
        framing: { kind: 'none' },
        head: null,
        left: 0,
        chunked: null,
        consume: null,
        gotBytes: false,
        reusable: false,
        failure: null,
        resolveHead,
        rejectHead: (err) =>
          rejectHead(
            reused && !exchange.gotBytes && !options.signal.aborted && !(err instanceof HttpTimeoutError)
              ? new StaleConnectionError('stale', { cause: err })
              : err,
          ),
        resolveBody: () => undefined,
        rejectBody: () => undefined,
        headersTimer: setTimeout(
          () => this.fail(new HttpTimeoutError('HEADERS_TIMEOUT', `no answer within ${options.headersTimeoutMs} ms`)),
          options.headersTimeoutMs,
        ),
        rateTimer: null,
        windowBytes: 0,
        heldThisWindow: false,
        deadlineTimer:
          options.deadlineMs != null
            ? setTimeout(
                () => this.fail(new HttpTimeoutError('DEADLINE', `not complete within ${options.deadlineMs} ms`)),
                options.deadlineMs,
              )
            : null,
        onAbort: () => this.fail(abortError()),
      };
      options.signal.addEventListener('abort', exchange.onAbort, { once: true });
      this.exchangeNow = exchange;
      if (this.closed) {
        this.fail(new Error('the connection is closed'));
        return;
      }
      this.socket.setTimeout(0);
      this.resumeSocket();
      // latin1: one byte per character, as requestHead's check allows them (utf8 would widen 0x80-0xff).
      this.socket.write(request, 'latin1');
    });
  }

  /** The onread callback: returns false to pause the socket. */
  private read(buffer: Buffer, n: number): boolean {
    const exchange = this.exchangeNow;
    if (!exchange || exchange.state === 'done') {
      // Bytes nobody asked for: the connection is out of step and cannot be reused.
      this.destroy();
      return false;
    }
    exchange.gotBytes = true;
    if (exchange.state === 'waiting') {
      // A read already under way when the socket paused (TLS can hand over several records).
      exchange.early = Buffer.concat(
        exchange.early ? [exchange.early, buffer.subarray(0, n)] : [buffer.subarray(0, n)],
      );
      return false;
    }
    try {
      if (exchange.state === 'head') return this.readHead(exchange, buffer.subarray(0, n));
      return this.readBody(exchange, buffer.subarray(0, n));
    } catch (err) {
      this.fail(err);
      return false;
    }
  }

  /**
   * Parses the head from the read buffer itself when it arrived in one read (the usual case), so
   * the body bytes behind it are kept as a view, not copied; reads then go to the other buffer.
   */
  private readHead(exchange: Exchange, data: Buffer): boolean {
    let bytes = exchange.headBytes.length === 0 ? data : Buffer.concat([exchange.headBytes, data]);
    for (;;) {
      const parsed = parseResponseHead(bytes);
      if (!parsed) {
        exchange.headBytes = bytes === data ? Buffer.from(data) : bytes;
        return true;
      }
      bytes = bytes.subarray(parsed.length);
      // An interim answer (100 Continue and the like) is followed by the real one.
      if (parsed.head.statusCode >= 100 && parsed.head.statusCode < 200) continue;
      exchange.headBytes = Buffer.alloc(0);
      if (bytes.length > 0) {
        exchange.early = bytes;
        if (bytes.buffer === data.buffer) this.readBufferKept = true;
      }
      this.headDone(exchange, parsed.head);
      return false;
    }
  }

  private headDone(exchange: Exchange, head: ResponseHead): void {
    if (exchange.headersTimer) clearTimeout(exchange.headersTimer);
    exchange.headersTimer = null;
    exchange.head = head;
    exchange.framing = bodyFraming(head);
    exchange.left = exchange.framing.kind === 'length' ? exchange.framing.length : 0;
    exchange.chunked = exchange.framing.kind === 'chunked' ? new ChunkedDecoder() : null;
    exchange.reusable = head.keepAlive && exchange.framing.kind !== 'until-close';
    exchange.state = 'waiting';
    // Paused until the caller asks for the body: nothing is read that nobody consumes.
    this.pauseSocket();
    exchange.resolveHead({
      statusCode: head.statusCode,
      headers: head.headers,
      readBody: (consume) => this.startBody(exchange, consume),
      discard: () => this.destroy(),
      destroy: () => this.destroy(),
    });
  }

  private startBody(exchange: Exchange, consume: BodyConsumer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (exchange.state !== 'waiting') {
        reject(exchange.failure ?? new Error('the body was already read'));
        return;
      }
      exchange.resolveBody = resolve;
      exchange.rejectBody = reject;
      exchange.consume = consume;
      exchange.state = 'body';
      this.startRateWindows(exchange);
      const early = exchange.early;
      exchange.early = null;
      try {
        if (this.complete(exchange) || (early && !this.readBody(exchange, early))) return;
      } catch (err) {
        this.fail(err);
        return;
      }
      this.socket.setTimeout(exchange.options.stallTimeoutMs);
      this.resumeSocket();
    });
  }

  private startRateWindows(exchange: Exchange): void {
    const minRate = exchange.options.minRate;
    if (!minRate || exchange.state !== 'body') return;
    const floor = (minRate.bytesPerSecond * minRate.windowMs) / 1000;
    exchange.rateTimer = setInterval(() => {
      const { windowBytes, heldThisWindow } = exchange;
      exchange.windowBytes = 0;
      exchange.heldThisWindow = this.pausedByBody;
      if (heldThisWindow || this.pausedByBody || windowBytes >= floor) return;
      this.fail(
        new HttpTimeoutError(
          'TOO_SLOW',
          `${windowBytes} bytes in ${minRate.windowMs} ms, below the ${minRate.bytesPerSecond} B/s minimum`,
        ),
      );
    }, minRate.windowMs);
  }

  /** Hands body bytes to the consumer; returns false when reading must pause (backpressure or the end). */
  private readBody(exchange: Exchange, data: Buffer): boolean {
    const waits: Promise<void>[] = [];
    const emit = (chunk: Buffer) => {
      if (chunk.length === 0) return;
      const wait = exchange.consume!(chunk);
      if (wait) waits.push(wait);
    };
    exchange.windowBytes += data.length;
    let used = data.length;
    if (exchange.framing.kind === 'length') {
      used = Math.min(exchange.left, data.length);
      exchange.left -= used;
      emit(data.subarray(0, used));
    } else if (exchange.chunked) {
      used = exchange.chunked.decode(data, emit);
    } else {
      emit(data);
    }
    // Bytes past the end of the body belong to no request: the connection is not reused.
    if (used < data.length) exchange.reusable = false;
    if (waits.length === 0) return !this.complete(exchange);
    this.pauseSocket();
    exchange.heldThisWindow = true;
    this.socket.setTimeout(0);
    Promise.all(waits).then(
      () => {
        if (exchange.state !== 'body' || this.complete(exchange)) return;
        this.socket.setTimeout(exchange.options.stallTimeoutMs);
        this.resumeSocket();
      },
      (err: unknown) => this.fail(err),
    );
    return false;
  }

  /** Ends the exchange when its body is whole; returns whether it did. */
  private complete(exchange: Exchange): boolean {
    const whole =
      exchange.framing.kind === 'none' ||
      (exchange.framing.kind === 'length' && exchange.left === 0) ||
      (exchange.framing.kind === 'chunked' && exchange.chunked!.done);
    if (!whole) return false;
    this.finish(exchange);
    if (exchange.reusable && this.usable) this.owner.release(this);
    else this.destroy();
    exchange.resolveBody();
    return true;
  }

  private finish(exchange: Exchange): void {
    exchange.state = 'done';
    if (exchange.headersTimer) clearTimeout(exchange.headersTimer);
    if (exchange.rateTimer) clearInterval(exchange.rateTimer);
    if (exchange.deadlineTimer) clearTimeout(exchange.deadlineTimer);
    exchange.rateTimer = null;
    exchange.deadlineTimer = null;
    exchange.options.signal.removeEventListener('abort', exchange.onAbort);
    this.socket.setTimeout(0);
    this.pauseSocket();
    if (this.exchangeNow === exchange) this.exchangeNow = null;
  }

  private ended(): void {
    const exchange = this.exchangeNow;
    if (!this.closed) {
      this.closed = true;
      this.leaveIdle();
      this.owner.closed(this);
    }
    if (!exchange) return;
    if (exchange.state === 'body' && exchange.framing.kind === 'until-close') {
      this.finish(exchange);
      exchange.resolveBody();
      return;
    }
    this.fail(
      Object.assign(new Error('the server closed the connection before the response was complete'), {
        code: 'ECONNRESET',
      }),
    );
  }

  private fail(err: unknown): void {
    const exchange = this.exchangeNow;
    if (!exchange) {
      this.socket.destroy();
      return;
    }
    const state = exchange.state;
    exchange.failure = err;
    this.finish(exchange);
    this.socket.destroy();
    if (state === 'head') exchange.rejectHead(err);
    else exchange.rejectBody(err);
  }

  private pauseSocket(): void {
    if (this.pausedByBody) return;
    this.pausedByBody = true;
    this.socket.pause();
  }

  private resumeSocket(): void {
    if (!this.pausedByBody) return;
    this.pausedByBody = false;
    this.socket.resume();
  }
}

function abortError(): Error {
  return Object.assign(new Error('the request was aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}
