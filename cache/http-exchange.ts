// What one GET looks like to its caller (http-get.ts re-exports these): options, response, body
// consumer and the typed timeouts. The connection that carries it is http-connection.ts.

/**
 * No headers within `headersTimeoutMs`, a body silent for `stallTimeoutMs` while it is awaited, a
 * body slower than `minRate` over a whole window (`TOO_SLOW`: a trickle resets the stall timer with
 * every byte), or an exchange longer than `deadlineMs`.
 */
export class HttpTimeoutError extends Error {
  override name = 'HttpTimeoutError';
  constructor(
    readonly code: 'HEADERS_TIMEOUT' | 'BODY_TIMEOUT' | 'TOO_SLOW' | 'DEADLINE',
    message: string,
  ) {
    super(message);
  }
}

export interface GetOptions {
  headers: Record<string, string>;
  signal: AbortSignal;
  headersTimeoutMs: number;
  stallTimeoutMs: number;
  /**
   * The slowest body accepted: fewer than `bytesPerSecond × windowMs / 1000` bytes in a window fails
   * the exchange with TOO_SLOW. Windows in which the consumer held the body back (a slow disk) do
   * not count against the server.
   */
  minRate?: { bytesPerSecond: number; windowMs: number } | null;
  /** The whole exchange, head and body, must end within this (DEADLINE); none when absent. */
  deadlineMs?: number | null;
}

/**
 * Takes one piece of body (a view into a reused read buffer: valid only during the call). A returned
 * promise pauses reading until it settles; a rejection, or a throw, ends the body with that error.
 */
export type BodyConsumer = (chunk: Buffer) => Promise<void> | undefined;

export interface GetResponse {
  statusCode: number;
  headers: Record<string, string>;
  /** Streams the body into `consume`; resolves once the body is complete (rejects with an HttpTimeoutError on a stall). */
  readBody(consume: BodyConsumer): Promise<void>;
  /** Drops the rest of a body that carries no file bytes (the connection is closed, not reused). */
  discard(): void;
  /** Drops the connection (a body abandoned mid-transfer). */
  destroy(): void;
}
