import { FileNotFoundError, SlowTransferError, TransferError } from './errors';
import { HttpTimeoutError } from './http-get';

/** `bytes <start>-<end>/<total|*>` → its numbers, or null when it is malformed. */
export function parseContentRange(
  header: string | string[] | undefined,
): { start: number; end: number; total: number | null } | null {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim()) : null;
  if (!match) return null;
  return { start: Number(match[1]), end: Number(match[2]), total: match[3] === '*' ? null : Number(match[3]) };
}

export function headerNumber(header: string | string[] | undefined): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d+$/.test(value.trim())) return null;
  return Number(value);
}

/** The error for a status that carries no file bytes (everything but 200, 206 and 416). */
export function statusError(statusCode: number, sha256: string, base: string): Error {
  if (statusCode === 404) return new FileNotFoundError(sha256, base);
  if (statusCode === 401 || statusCode === 403) {
    return new TransferError(
      'unauthorized',
      `The API at ${base} refused the file request (${statusCode}): the device key or session is not accepted.`,
    );
  }
  return new TransferError('http-error', `The API at ${base} answered ${statusCode} for file ${sha256}.`);
}

/** Maps an HTTP/socket error to a transient transfer failure with a message a person can act on. */
export function networkError(err: unknown, base: string): TransferError {
  const code = (err as { code?: string } | null)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  if (err instanceof HttpTimeoutError && (err.code === 'TOO_SLOW' || err.code === 'DEADLINE')) {
    const what =
      err.code === 'TOO_SLOW' ? `sent too slowly (${err.message})` : `did not finish in time (${err.message})`;
    return new SlowTransferError(
      `The transfer from ${base} ${what}; its slot goes to the next file and it is tried again later.`,
      { cause: err },
    );
  }
  if (err instanceof HttpTimeoutError) {
    return new TransferError(
      'stalled',
      `The transfer from ${base} stalled (${code}); it will resume where it stopped.`,
      { cause: err },
    );
  }
  return new TransferError(
    'network',
    `The connection to ${base} failed (${code ?? 'error'}: ${detail}); it will resume where it stopped.`,
    { cause: err },
  );
}
