import { Agent } from 'undici';
import { API_BODY_MAX_BYTES, ApiBodyRefusedError, readCappedBody } from './api-body';

export interface TransportTimeouts {
  /** TCP/TLS connect, per base URL. */
  connectTimeoutMs: number;
  /** One request to one base URL, from start to the end of the body. */
  attemptTimeoutMs: number;
}

export interface RawRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: Record<string, unknown>;
}

export type RawOutcome =
  | { kind: 'answer'; status: number; text: string }
  | { kind: 'no-answer'; why: string }
  /** An answer whose body was refused unread past the cap (too large, undecodable): typed, never parsed. */
  | { kind: 'refused-body'; status: number; reason: ApiBodyRefusedError['reason']; why: string };

export interface Transport {
  send(request: RawRequest, timeoutMs: number): Promise<RawOutcome>;
  close(): Promise<void>;
}

/**
 * HTTP through undici's `request` on our own Agent, so the connect timeout is the same on Node 20 and
 * on Electron's newer Node. Not fetch (nor ofetch on it): fetch decodes gzip/br with no size limit
 * before a byte reaches the caller, so a gzip bomb costs hundreds of MiB; `request` hands over the
 * wire bytes, which api-body.ts decodes under a cap. `request` follows no redirect: a redirect could
 * carry X-Api-Key to another origin. Never throws for a network failure: that is an outcome the
 * failover reads.
 */
export function createTransport(
  { connectTimeoutMs }: Pick<TransportTimeouts, 'connectTimeoutMs'>,
  maxBodyBytes = API_BODY_MAX_BYTES,
): Transport {
  const agent = new Agent({ connect: { timeout: connectTimeoutMs }, keepAliveTimeout: 4_000 });

  return {
    async send(request, timeoutMs) {
      const signal = AbortSignal.timeout(timeoutMs);
      let status = 0;
      try {
        const url = new URL(request.url);
        const response = await agent.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: request.method,
          headers: {
            accept: 'application/json',
            'accept-encoding': 'gzip, deflate, br',
            ...(request.body ? { 'content-type': 'application/json' } : {}),
            ...request.headers,
          },
          ...(request.body ? { body: JSON.stringify(request.body) } : {}),
          signal,
        });
        status = response.statusCode;
        const header = (name: string) => {
          const value = response.headers[name];
          return Array.isArray(value) ? value.join(', ') : value;
        };
        const text = await readCappedBody(
          response.body,
          header('content-encoding'),
          header('content-length'),
          maxBodyBytes,
        );
        return { kind: 'answer', status, text };
      } catch (err) {
        if (err instanceof ApiBodyRefusedError)
          return { kind: 'refused-body', status, reason: err.reason, why: `HTTP ${status}: ${err.message}` };
        if (signal.aborted) return { kind: 'no-answer', why: `no answer within ${formatSeconds(timeoutMs)}` };
        return { kind: 'no-answer', why: describeNetworkError(err) };
      }
    },
    async close() {
      if (!agent.closed && !agent.destroyed) await agent.close();
    },
  };
}

export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(2))} s`;
}

function describeNetworkError(err: unknown): string {
  let cause: unknown = err;
  for (let depth = 0; depth < 5 && cause; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return NETWORK_CODES[code] ?? code;
    cause = (cause as { cause?: unknown }).cause;
  }
  return err instanceof Error ? err.message.replace(/^\[\w+\] "[^"]*": /, '') : String(err);
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset without an answer',
  UND_ERR_SOCKET: 'connection closed without an answer',
  UND_ERR_CONNECT_TIMEOUT: 'could not connect in time',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'the answer stalled',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'name lookup failed (no DNS?)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  CERT_HAS_EXPIRED: 'TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate cannot be verified',
};
