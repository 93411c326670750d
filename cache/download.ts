import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffPolicy } from '../base/backoff';
import { sleep } from '../base/clock';
import { BodySink, BodyTooLongError, DEFAULT_SINK_OPTIONS, DiskWriteError, type SinkOptions } from './body-sink';
import { CacheError, IntegrityError, NoSpaceError, SlowTransferError, StoreIoError, TransferError } from './errors';
import { fileUrl, type FileSource } from './file-source';
import type { FileHttpClient } from './http-get';
import { headerNumber, networkError, parseContentRange, statusError } from './http-response';
import type { CacheFile, FailureReason } from '../contracts/cache';
import type { SpaceBudget } from './disk-space';
import type { PauseControl } from './pause-control';
import { tempDir } from './layout';
import type { ContentStore, StoreEntry, TempFile } from './store';

export interface DownloadOptions {
  /** Transient failures in a row (no byte gained) before the download is given up. */
  maxAttempts: number;
  /** Whole transfers that ended with a wrong hash or size before the file is marked failed for good. */
  maxIntegrityAttempts: number;
  headersTimeoutMs: number;
  /** Longest silence between two body chunks. */
  stallTimeoutMs: number;
  /**
   * The slowest transfer that keeps its slot: below `minBytesPerSecond` over a whole `rateWindowMs`
   * (a server trickling bytes never trips the stall timer) the download gives its slot to the next
   * file and the scheduler retries it later with backoff. 0 turns the check off.
   */
  minBytesPerSecond: number;
  rateWindowMs: number;
  /** Longest a download may take, all attempts together; null: no deadline (the rate floor bounds starvation). */
  deadlineMs: number | null;
  backoff: BackoffPolicy;
  /** How the body is gathered, written and flushed (body-sink.ts). */
  sink: SinkOptions;
}

export const DEFAULT_DOWNLOAD_OPTIONS: DownloadOptions = {
  maxAttempts: 6,
  maxIntegrityAttempts: 3,
  headersTimeoutMs: 15_000,
  stallTimeoutMs: 30_000,
  minBytesPerSecond: 1024,
  rateWindowMs: 30_000,
  deadlineMs: null,
  backoff: DEFAULT_BACKOFF,
  sink: DEFAULT_SINK_OPTIONS,
};

/** One download's life; `failed` carries its reason (DESIGN §3: failures are states). */
export type DownloadState =
  | { kind: 'queued' }
  | { kind: 'adopting' }
  | { kind: 'connecting'; base: string; attempt: number; bytes: number; size: number | null }
  | { kind: 'receiving'; base: string; bytes: number; size: number | null }
  | {
      kind: 'retrying';
      reason: FailureReason;
      message: string;
      attempt: number;
      retryInMs: number;
      bytes: number;
      size: number | null;
    }
  /** Paused by the scheduler for a file asked to open now (or a presentation): resumes with Range. */
  | { kind: 'paused'; bytes: number; size: number | null }
  | { kind: 'committing'; bytes: number; size: number }
  | { kind: 'done'; entry: StoreEntry }
  | { kind: 'failed'; reason: FailureReason; message: string; permanent: boolean; retryLater?: boolean };

export interface DownloadDeps {
  store: ContentStore;
  source: FileSource;
  http: FileHttpClient;
  logger: Logger;
  options: DownloadOptions;
  onState: (state: DownloadState) => void;
  signal: AbortSignal;
  random?: () => number;
  /** Checked (and reserved) before the temp file is created: a file that does not fit is not started. */
  space?: SpaceBudget;
  /** How the scheduler pauses this download without losing its bytes (scheduler.ts). */
  pause?: PauseControl;
  /**
   * Asked after each piece of body with its length: a promise holds the body back until it settles
   * (the background bandwidth cap, rate-limit.ts); undefined lets it go on at once.
   */
  pace?: (bytes: number) => Promise<void> | undefined;
}

/**
 * Fetches one file into the store: streams into a temp file while hashing, resumes with `Range`
 * after an interruption, fails over across base URLs, backs off with jitter, and renames into place
 * only when hash and size match. Throws a CacheError (the `failed` state is reported before).
 */
export async function downloadFile(file: CacheFile, deps: DownloadDeps): Promise<StoreEntry> {
  let release = () => undefined as void;
  let temp: TempFile | null = null;
  try {
    if (deps.space)
      release = await deps.space.reserve(tempDir(deps.store.root), file.filename ?? file.sha256, file.size ?? null);
    temp = await deps.store.createTemp(file.sha256);
    const entry = await transfer(file, temp, deps);
    deps.onState({ kind: 'done', entry });
    return entry;
  } catch (err) {
    if (temp) await deps.store.discardTemp(temp);
    const failure = asCacheError(err, deps.store.root);
    const retryLater = failure instanceof SlowTransferError;
    deps.onState({
      kind: 'failed',
      reason: failure.reason,
      message: failure.message,
      permanent: failure.permanent,
      ...(retryLater ? { retryLater } : {}),
    });
    throw failure;
  } finally {
    release();
  }
}

async function transfer(file: CacheFile, temp: TempFile, deps: DownloadDeps): Promise<StoreEntry> {
  const { options, signal } = deps;
  let sink = new BodySink(temp.handle, createHash('sha256'), 0, options.sink);
  let failuresInARow = 0;
  let totalAttempts = 0;
  let integrityFailures = 0;
  let baseIndex = 0;
  let size: number | null = file.size ?? null;
  const deadlineAt = options.deadlineMs === null ? null : Date.now() + options.deadlineMs;
  const minRate =
    options.minBytesPerSecond > 0
      ? { bytesPerSecond: options.minBytesPerSecond, windowMs: options.rateWindowMs }
      : null;

  const restart = async () => {
    // A write still in flight would land after the truncate and leave stale bytes past the new end.
    await sink.settle();
    await temp.handle.truncate(0);
    sink = new BodySink(temp.handle, createHash('sha256'), 0, options.sink);
  };
  const finish = async (): Promise<StoreEntry | null> => {
    const digest = sink.digest();
    if (digest === file.sha256 && (file.size === undefined || sink.offset === file.size)) {
      deps.onState({ kind: 'committing', bytes: sink.offset, size: sink.offset });
      // Typed so it is fatal: a failed commit is never retried over the network (its slot is given up).
      return deps.store.commit(temp, file.sha256).catch((err: unknown) => {
        throw asCacheError(err, deps.store.root);
      });
    }
    const tooShortOrLong = file.size !== undefined && sink.offset !== file.size;
    await integrityFailure(
      tooShortOrLong ? 'size-mismatch' : 'hash-mismatch',
      tooShortOrLong
        ? `File ${file.sha256} arrived with ${sink.offset} bytes instead of ${file.size}`
        : `File ${file.sha256} arrived with SHA-256 ${digest}; the server or the network corrupts it`,
    );
    return null;
  };
  /** Counts a whole transfer that came out wrong; starts over, or fails for good after the bound. */
  const integrityFailure = async (reason: 'hash-mismatch' | 'size-mismatch', what: string) => {
    integrityFailures += 1;
    const message = `${what} (try ${integrityFailures} of ${options.maxIntegrityAttempts}).`;
    deps.logger.warn({ sha256: file.sha256, reason, integrityFailures }, 'cache: downloaded file does not match');
    if (integrityFailures >= options.maxIntegrityAttempts) throw new IntegrityError(reason, message);
    deps.onState({ kind: 'retrying', reason, message, attempt: totalAttempts, retryInMs: 0, bytes: 0, size });
    await restart();
  };

  const pause = deps.pause;
  try {
    for (;;) {
      if (signal.aborted)
        throw new TransferError('network', 'The download was cancelled because the cache is closing.');
      if (pause?.paused) {
        // Paused, not aborted: the temp file, its offset and the running hash wait here for a slot.
        deps.onState({ kind: 'paused', bytes: sink.offset, size });
        await pause.waitResumed(signal);
        continue;
      }
      if (size !== null && sink.offset === size && sink.offset > 0) {
        const entry = await finish();
        if (entry) return entry;
      }
      const bases = deps.source.baseUrls();
      if (bases.length === 0)
        throw new TransferError('network', 'No API base URL is configured to download files from.');
      const base = bases[baseIndex % bases.length]!;
      const before = sink.offset;
      const epoch = pause?.epoch ?? 0;
      totalAttempts += 1;
      deps.onState({ kind: 'connecting', base, attempt: totalAttempts, bytes: before, size });
      try {
        const entry = await attempt(base);
        if (entry) return entry;
      } catch (err) {
        if (isFatal(err)) throw err;
        // Ended by a pause (maybe already resumed): not a failure; the next attempt asks for the rest.
        if (pause && pause.epoch !== epoch && !signal.aborted) {
          totalAttempts -= 1;
          continue;
        }
        const failure = asCacheError(err, deps.store.root);
        failuresInARow = sink.offset > before ? 1 : failuresInARow + 1;
        if (failuresInARow >= options.maxAttempts || totalAttempts >= options.maxAttempts * 10) throw failure;
        baseIndex += 1;
        const roundDone = baseIndex % bases.length === 0;
        const retryInMs = roundDone ? backoffDelay(options.backoff, failuresInARow - 1, deps.random) : 0;
        deps.logger.info(
          { sha256: file.sha256, base, reason: failure.reason, bytes: sink.offset, retryInMs },
          'cache: download attempt failed, retrying',
        );
        deps.onState({
          kind: 'retrying',
          reason: failure.reason,
          message: failure.message,
          attempt: totalAttempts,
          retryInMs,
          bytes: sink.offset,
          size,
        });
        if (retryInMs > 0) await sleep(retryInMs, signal);
      }
    }
  } catch (err) {
    // The caller closes and removes the temp file: no write may still be running on it.
    await sink.settle();
    throw err;
  }

  async function attempt(base: string): Promise<StoreEntry | null> {
    const headers: Record<string, string> = { ...(await deps.source.headers()) };
    if (sink.offset > 0) headers.range = `bytes=${sink.offset}-`;
    const deadlineMs = deadlineAt === null ? null : deadlineAt - Date.now();
    if (deadlineMs !== null && deadlineMs <= 0)
      throw new SlowTransferError(
        `File ${file.sha256} did not finish within ${options.deadlineMs} ms; it is tried again later.`,
      );
    const response = await deps.http
      .get(fileUrl(base, file.sha256), {
        headers,
        signal: pause ? AbortSignal.any([signal, pause.signal]) : signal,
        headersTimeoutMs: options.headersTimeoutMs,
        stallTimeoutMs: options.stallTimeoutMs,
        minRate,
        deadlineMs,
      })
      .catch((err: unknown) => {
        throw networkError(err, base);
      });
    const { statusCode } = response;
    if (statusCode === 416 && sink.offset > 0) {
      response.discard();
      const entry = await finish();
      if (entry) return entry;
      await restart();
      throw new TransferError(
        'http-error',
        `The API at ${base} refused the resume offset; starting ${file.sha256} over.`,
      );
    }
    if (statusCode !== 200 && statusCode !== 206) {
      response.discard();
      throw statusError(statusCode, file.sha256, base);
    }
    const length = headerNumber(response.headers['content-length']);
    if (statusCode === 200) {
      if (sink.offset > 0) await restart();
      size = file.size ?? length;
    } else {
      const range = parseContentRange(response.headers['content-range']);
      if (!range || range.start !== sink.offset) {
        response.destroy();
        await restart();
        throw new TransferError(
          'http-error',
          `The API at ${base} answered a range that does not start where the download stopped; starting over.`,
        );
      }
      size = file.size ?? range.total;
    }
    deps.source.reportAnswered?.(base);
    deps.onState({ kind: 'receiving', base, bytes: sink.offset, size });
    try {
      const consume = sink.consumer(size, (bytes) => deps.onState({ kind: 'receiving', base, bytes, size }));
      const pace = deps.pace;
      await response.readBody(
        pace
          ? (chunk) => {
              const held = consume(chunk);
              const paced = pace(chunk.length);
              return held && paced ? Promise.all([held, paced]).then(() => undefined) : (held ?? paced);
            }
          : consume,
      );
    } catch (err) {
      response.destroy();
      if (err instanceof BodyTooLongError) {
        await integrityFailure('size-mismatch', `File ${file.sha256}: ${err.message}`);
        return null;
      }
      if (err instanceof DiskWriteError) {
        await sink.settle();
        throw err;
      }
      await sink.drain();
      throw networkError(err, base);
    }
    await sink.drain();
    if (size !== null && sink.offset < size) {
      throw new TransferError(
        'network',
        `The connection to ${base} ended after ${sink.offset} of ${size} bytes; resuming.`,
      );
    }
    return finish();
  }
}

function isFatal(err: unknown): boolean {
  if (err instanceof DiskWriteError || err instanceof SlowTransferError) return true;
  if (err instanceof CacheError) return err.permanent || err.reason === 'no-space' || err.reason === 'io-error';
  return false;
}

function asCacheError(err: unknown, root: string): CacheError {
  if (err instanceof CacheError) return err;
  if (err instanceof DiskWriteError) {
    if (err.code === 'ENOSPC' || err.code === 'EDQUOT') return new NoSpaceError(root, { cause: err });
    return new StoreIoError(`Writing to the cache at ${root} failed (${err.code ?? 'unknown error'}).`, { cause: err });
  }
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new NoSpaceError(root, { cause: err });
  return new StoreIoError(`The cache at ${root} failed: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
}
