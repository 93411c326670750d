import type { FailureReason } from '../contracts/cache';

/** Base of every error the cache throws; `reason` is what status and progress report. */
export class CacheError extends Error {
  override name = 'CacheError';
  constructor(
    readonly reason: FailureReason,
    message: string,
    /** A permanent failure is not retried by the sync loop until asked (`ensure({ retryFailed })`). */
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class FileNotFoundError extends CacheError {
  override name = 'FileNotFoundError';
  constructor(sha256: string, base: string) {
    super('not-found', `The API at ${base} has no file ${sha256} (404). Check that the event file list is current.`, true);
  }
}

export class IntegrityError extends CacheError {
  override name = 'IntegrityError';
  constructor(reason: 'hash-mismatch' | 'size-mismatch', message: string) {
    super(reason, message, true);
  }
}

export class TransferError extends CacheError {
  override name = 'TransferError';
  constructor(reason: 'network' | 'stalled' | 'http-error' | 'unauthorized', message: string, options?: { cause?: unknown }) {
    super(reason, message, false, options);
  }
}

export class NoSpaceError extends CacheError {
  override name = 'NoSpaceError';
  constructor(root: string, options?: { cause?: unknown }) {
    super('no-space', `The disk holding the cache (${root}) is full. Free space or run \`aether-native cache gc\`; the partial download was removed.`, false, options);
  }
}

export class StoreIoError extends CacheError {
  override name = 'StoreIoError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('io-error', message, false, options);
  }
}

export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}
