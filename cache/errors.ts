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
    super(
      'not-found',
      `The API at ${base} has no file ${sha256} (404). Check that the event file list is current.`,
      true,
    );
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
  constructor(
    reason: 'network' | 'stalled' | 'http-error' | 'unauthorized',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(reason, message, false, options);
  }
}

/**
 * A server that sends too slowly (below the minimum rate over a window) or a download past its
 * deadline. Unlike a stall it is not retried in place: the download gives its slot to the next file
 * and the scheduler tries it again later, with backoff (`retryLater`).
 */
export class SlowTransferError extends TransferError {
  override name = 'SlowTransferError';
  readonly retryLater = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super('stalled', message, options);
  }
}

export class NoSpaceError extends CacheError {
  override name = 'NoSpaceError';
  constructor(root: string, options?: { cause?: unknown }) {
    super(
      'no-space',
      `The disk holding the cache (${root}) is full. Free space or run \`aether-native cache gc\`; the partial download was removed.`,
      false,
      options,
    );
  }
}

/**
 * The free-space check before a download starts: the file does not fit, so it is not started (no
 * temp file, nothing to clean up). Transient: the sync loop tries again later (gc may free space).
 */
export class NotEnoughSpaceError extends CacheError {
  override name = 'NotEnoughSpaceError';
  constructor(
    readonly file: string,
    readonly neededBytes: number,
    readonly availableBytes: number,
    dir: string,
  ) {
    super(
      'no-space',
      `not enough space for ${file} (needs ${neededBytes} bytes, has ${availableBytes} bytes) on the disk holding ${dir}; free space or run \`aether-native cache gc\``,
      false,
    );
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
