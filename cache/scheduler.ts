import { backoffDelay, type BackoffPolicy } from '../base/backoff';
import type { CacheError } from './errors';
import type { DownloadState } from './download';
import type { CacheFile, FailureReason } from '../contracts/cache';
import type { StoreEntry } from './store';

export const DEFAULT_CONCURRENCY = 4;

/** Runs one download and reports its states; supplied by the service (wraps downloadFile). */
export type RunDownload = (file: CacheFile, onState: (state: DownloadState) => void) => Promise<StoreEntry>;

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

interface Job {
  file: CacheFile;
  state: DownloadState;
  promise: Promise<StoreEntry>;
  resolve: (entry: StoreEntry) => void;
  reject: (err: unknown) => void;
  /** Times this job was sent back to the queue for being too slow. */
  requeues: number;
  /** Waiting out its backoff before it goes back to the queue. */
  backoffTimer: NodeJS.Timeout | null;
}

/**
 * One download per hash however many callers ask (single flight), at most `concurrency` transfers at
 * a time, first asked first served. A job that reaches `committing` has finished with the network, so
 * it gives its slot to the next transfer while its fsyncs run: with many small files the disk's
 * flushes overlap the next transfers instead of idling a connection. No transfer starts while
 * `concurrency` files are committing, so fewer than `2 × concurrency` jobs are ever alive.
 * A transfer that ends too slow (a trickling server, see DownloadOptions.minBytesPerSecond) gives up
 * its slot at once and goes to the back of the queue after a backoff, still one job (its callers
 * keep waiting), so slow servers cannot hold every slot while healthy files wait.
 * Remembers the last failure of each hash for status and for the sync loop.
 */
export class DownloadScheduler {
  private readonly jobs = new Map<string, Job>();
  private readonly waiting: Job[] = [];
  private readonly failures = new Map<string, Failure>();
  private running = 0;
  private committing = 0;
  private closed = false;

  constructor(
    private readonly run: RunDownload,
    private readonly concurrency: number,
    private readonly onChange: (sha256: string, state: DownloadState) => void,
    private readonly now: () => number = Date.now,
    /** Called once a job has left the scheduler (its hash is no longer active). */
    private readonly onSettled: (sha256: string) => void = () => undefined,
    private readonly slowRetry: SlowRetryPolicy = DEFAULT_SLOW_RETRY,
    private readonly random: () => number = Math.random,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError(`download concurrency must be a positive integer, got ${concurrency}`);
  }

  /** The download of this file: the running one if any, else a new one queued. */
  request(file: CacheFile): Promise<StoreEntry> {
    const existing = this.jobs.get(file.sha256);
    if (existing) return existing.promise;
    const job = { file, state: { kind: 'queued' }, requeues: 0, backoffTimer: null } as Job;
    job.promise = new Promise<StoreEntry>((resolve, reject) => {
      job.resolve = resolve;
      job.reject = reject;
    });
    // Callers that do not wait (the sync loop) must not trigger unhandled rejections.
    job.promise.catch(() => undefined);
    this.jobs.set(file.sha256, job);
    this.failures.delete(file.sha256);
    this.onChange(file.sha256, job.state);
    this.waiting.push(job);
    this.pump();
    return job.promise;
  }

  state(sha256: string): DownloadState | undefined {
    return this.jobs.get(sha256)?.state;
  }

  isActive(sha256: string): boolean {
    return this.jobs.has(sha256);
  }

  failure(sha256: string): Failure | undefined {
    return this.failures.get(sha256);
  }

  clearFailure(sha256: string): void {
    this.failures.delete(sha256);
  }

  get activeCount(): number {
    return this.jobs.size;
  }

  /**
   * Stops taking new work. Queued jobs (and those backing off) are started so that they fail at once
   * on the aborted signal (owned by the caller) and every promise settles.
   */
  close(): void {
    this.closed = true;
    for (const job of this.jobs.values()) {
      if (!job.backoffTimer) continue;
      clearTimeout(job.backoffTimer);
      job.backoffTimer = null;
      this.waiting.push(job);
    }
    for (const job of this.waiting.splice(0)) {
      this.running += 1;
      this.startSoon(job);
    }
  }

  /** Resolves when nothing is running or queued (used by close and tests). */
  async idle(): Promise<void> {
    while (this.jobs.size > 0) await Promise.allSettled([...this.jobs.values()].map((j) => j.promise));
  }

  private pump(): void {
    while (!this.closed && this.running < this.concurrency && this.committing < this.concurrency) {
      const next = this.waiting.shift();
      if (!next) return;
      this.running += 1;
      this.startSoon(next);
    }
  }

  /** Starts a job on the next microtask, so a pump starts all it may before any job reports a state. */
  private startSoon(job: Job): void {
    void Promise.resolve().then(() => this.execute(job));
  }

  private mayRequeue(job: Job): boolean {
    return !this.closed && job.requeues < this.slowRetry.maxRequeues;
  }

  private async execute(job: Job): Promise<void> {
    const sha256 = job.file.sha256;
    let holdsSlot = true;
    let outcome: { ok: true; entry: StoreEntry } | { ok: false; err: unknown } | { requeue: true; message: string };
    try {
      const entry = await this.run(job.file, (state) => {
        // A slow transfer that goes back to the queue is not a failure (yet): its callers keep waiting.
        if (state.kind === 'failed' && state.retryLater && this.mayRequeue(job)) return;
        job.state = state;
        if (state.kind === 'committing' && holdsSlot) {
          holdsSlot = false;
          this.running -= 1;
          this.committing += 1;
          this.pump();
        }
        if (state.kind === 'failed') {
          this.failures.set(sha256, {
            reason: state.reason,
            message: state.message,
            permanent: state.permanent,
            at: this.now(),
          });
        }
        this.onChange(sha256, state);
      });
      outcome = { ok: true, entry };
    } catch (err) {
      if ((err as { retryLater?: boolean }).retryLater === true && this.mayRequeue(job)) {
        outcome = { requeue: true, message: (err as Error).message };
      } else {
        if (!this.failures.has(sha256)) {
          const e = err as CacheError;
          this.failures.set(sha256, {
            reason: e.reason ?? 'io-error',
            message: e.message,
            permanent: e.permanent ?? false,
            at: this.now(),
          });
        }
        outcome = { ok: false, err };
      }
    }
    if (holdsSlot) this.running -= 1;
    else this.committing -= 1;
    if ('requeue' in outcome) {
      this.backOff(job, outcome.message);
      this.pump();
      return;
    }
    this.jobs.delete(sha256);
    this.pump();
    this.onSettled(sha256);
    if (outcome.ok) job.resolve(outcome.entry);
    else job.reject(outcome.err);
  }

  /** Sends a slow job to the back of the queue after a backoff that grows with each time it was slow. */
  private backOff(job: Job, message: string): void {
    job.requeues += 1;
    const retryInMs = backoffDelay(this.slowRetry.backoff, job.requeues - 1, this.random);
    job.state = {
      kind: 'retrying',
      reason: 'stalled',
      message,
      attempt: job.requeues,
      retryInMs,
      bytes: 0,
      size: job.file.size ?? null,
    };
    this.onChange(job.file.sha256, job.state);
    job.backoffTimer = setTimeout(() => {
      job.backoffTimer = null;
      job.state = { kind: 'queued' };
      this.onChange(job.file.sha256, job.state);
      this.waiting.push(job);
      this.pump();
    }, retryInMs);
  }
}
