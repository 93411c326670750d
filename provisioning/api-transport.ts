import { createFetch } from 'ofetch';
import { Agent, fetch as undiciFetch, Headers as UndiciHeaders } from 'undici';

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

export type RawOutcome = { kind: 'answer'; status: number; text: string } | { kind: 'no-answer'; why: string };

export interface Transport {
  send(request: RawRequest, timeoutMs: number): Promise<RawOutcome>;
  close(): Promise<void>;
}

/**
 * HTTP through ofetch on undici's own fetch, so the connect timeout is the same on Node 20 and on
 * Electron's newer Node. Never throws for a network failure: that is an outcome the failover reads.
 */
export function createTransport({ connectTimeoutMs }: Pick<TransportTimeouts, 'connectTimeoutMs'>): Transport {
  const agent = new Agent({ connect: { timeout: connectTimeoutMs }, keepAliveTimeout: 4_000 });
  const $fetch = createFetch({
    fetch: ((input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) =>
      undiciFetch(input, { ...init, dispatcher: agent })) as unknown as typeof globalThis.fetch,
    Headers: UndiciHeaders as unknown as typeof globalThis.Headers,
    AbortController: globalThis.AbortController,
  });

  return {
    async send(request, timeoutMs) {
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        const response = await $fetch.raw<string, 'text'>(request.url, {
          method: request.method,
          headers: { accept: 'application/json', ...request.headers },
          ...(request.body ? { body: request.body } : {}),
          responseType: 'text',
          ignoreResponseError: true,
          retry: false,
          // A redirect could carry X-Api-Key to another origin (fetch strips only Authorization): never follow.
          redirect: 'manual',
          signal,
        });
        return { kind: 'answer', status: response.status, text: typeof response._data === 'string' ? response._data : '' };
      } catch (err) {
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
