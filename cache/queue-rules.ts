// The scheduler's rules as data (scheduler.ts applies them): the queue's ranks, what a failure
// remembers, and how a download that was too slow is tried again.
import type { BackoffPolicy } from '../base/backoff';
import type { FailureReason, SyncPriority } from '../contracts/cache';

/**
 * Queue order (issue 12), lowest first: a file asked to open now, then the files of the session that
 * is running, then those of the next one, then the rest of the event. Within a rank, first asked first.
 */
export const RANK: Readonly<Record<SyncPriority | 'open', number>> = {
  open: 0,
  'current-session': 1,
  'next-session': 2,
  event: 3,
};
export const RANKS = 4;

export interface Failure {
  reason: FailureReason;
  message: string;
  permanent: boolean;
  at: number;
}

/** How a download that was too slow (or past its deadline) is tried again after giving up its slot. */
export interface SlowRetryPolicy {
  /** Times a slow download goes back to the queue before it is reported failed (transient). */
  maxRequeues: number;
  backoff: BackoffPolicy;
}

export const DEFAULT_SLOW_RETRY: SlowRetryPolicy = {
  maxRequeues: 4,
  backoff: { initialDelayMs: 30_000, maxDelayMs: 10 * 60_000, factor: 2, jitter: 1 },
};
