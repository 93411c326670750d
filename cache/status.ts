import type { DownloadScheduler } from './scheduler';
import type { FileStatus, StatusTotals } from '../contracts/cache';
import type { ContentStore } from './store';

/**
 * The state of one hash, from memory only: the store index, the running job, the last failure.
 * `sizeHint` may be a function, asked only when the file is not present (a present one needs no
 * hint: `Cache.status` of 100,000 hashes saves a map lookup per present file that way).
 */
export function fileStatus(
  store: ContentStore,
  scheduler: DownloadScheduler,
  sha256: string,
  hint: number | null | ((sha256: string) => number | null),
): FileStatus {
  const size = store.sizeOf(sha256);
  if (size !== undefined) return { sha256, state: 'present', bytes: size, size };
  const sizeHint = typeof hint === 'function' ? hint(sha256) : hint;
  const job = scheduler.state(sha256);
  if (job) {
    switch (job.kind) {
      case 'queued':
        return { sha256, state: 'queued', bytes: 0, size: sizeHint };
      case 'adopting':
        return { sha256, state: 'downloading', bytes: 0, size: sizeHint, lastError: null };
      case 'connecting':
      case 'receiving':
      case 'paused':
        return { sha256, state: 'downloading', bytes: job.bytes, size: job.size ?? sizeHint, lastError: null };
      case 'retrying':
        return {
          sha256,
          state: 'downloading',
          bytes: job.bytes,
          size: job.size ?? sizeHint,
          lastError: { reason: job.reason, message: job.message },
        };
      case 'committing':
        return { sha256, state: 'downloading', bytes: job.bytes, size: job.size, lastError: null };
      case 'done':
        return { sha256, state: 'present', bytes: job.entry.size, size: job.entry.size };
      case 'failed':
        return {
          sha256,
          state: 'failed',
          bytes: 0,
          size: sizeHint,
          reason: job.reason,
          message: job.message,
          permanent: job.permanent,
        };
    }
  }
  const failure = scheduler.failure(sha256);
  if (failure)
    return {
      sha256,
      state: 'failed',
      bytes: 0,
      size: sizeHint,
      reason: failure.reason,
      message: failure.message,
      permanent: failure.permanent,
    };
  return { sha256, state: 'missing', bytes: 0, size: sizeHint };
}

export function emptyTotals(): StatusTotals {
  return {
    files: 0,
    present: 0,
    missing: 0,
    queued: 0,
    downloading: 0,
    failed: 0,
    bytesPresent: 0,
    bytesDownloading: 0,
  };
}

export function addToTotals(totals: StatusTotals, status: FileStatus): void {
  totals.files += 1;
  totals[status.state] += 1;
  if (status.state === 'present') totals.bytesPresent += status.bytes;
  if (status.state === 'downloading') totals.bytesDownloading += status.bytes;
}
