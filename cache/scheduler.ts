import { RankedQueue } from './ranked-queue';
import { backoffDelay } from '../base/backoff';
import type { CacheError } from './errors';
import type { DownloadState } from './download';
import type { CacheFile } from '../contracts/cache';
import { PauseControl } from './pause-control';
import { DEFAULT_SLOW_RETRY, RANK, RANKS, type Failure, type SlowRetryPolicy } from './queue-rules';
import type { StoreEntry } from './store';

export const DEFAULT_CONCURRENCY = 4;

/**
 * Runs one download and reports its states; supplied by the service (wraps downloadFile). `pause` is
 * how the scheduler pauses it (never aborts it) to give its slot to a file asked to open now.
 */
export type RunDownload = (
  file: CacheFile,
  onState: (state: DownloadState) => void,
  pause: PauseControl,
) => Promise<StoreEntry>;

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
  /** Its rank from the list (RANK); callers waiting to open it (`boost`) put it at rank 0. */
  rank: number;
  boosts: number;
  /** What it holds: a transfer slot, a commit slot, or nothing (queued, paused, backing off). */
  slot: 'none' | 'running' | 'committing';
  /** Started once (execute runs); a paused job waits in the queue to be resumed, not started again. */
  started: boolean;
  pause: PauseControl;
}

/**
 * One download per hash however many callers ask (single flight), at most `concurrency` transfers at
 * a time, first asked first served within a rank (below). A job that reaches `committing` has
 * finished with the network, so it gives its slot to the next transfer while its fsyncs run: with
 * many small files the disk's flushes overlap the next transfers instead of idling a connection. No transfer starts while
 * `concurrency` files are committing, so fewer than `2 × concurrency` jobs are ever alive.
 * A transfer that ends too slow (a trickling server, see DownloadOptions.minBytesPerSecond) gives up
 * its slot at once and goes to the back of the queue after a backoff, still one job (its callers
 * keep waiting), so slow servers cannot hold every slot while healthy files wait.
 * Remembers the last failure of each hash for status and for the sync loop.
 *
 * Priorities (issue 12): the queue is ordered by RANK. A file asked to open now (`boost`) takes the
 * next free slot ahead of everything queued; when every slot is busy it pauses (never aborts) the
 * lowest-ranked running transfer, which goes back to the queue ahead of its rank and later resumes
 * with `Range`. Background work (every rank but open) may be limited below `concurrency` while a
 * presentation runs (`setBackgroundLimit`: 1 to throttle, 0 to pause); transfers above a new limit
 * are paused the same way.
 */
export class DownloadScheduler {
  private readonly jobs = new Map<string, Job>();
  /** One FIFO per rank; a paused job goes to the front of its rank (it was started before the rest). */
  private readonly waiting = new RankedQueue<Job>(RANKS, (job) => this.rankOf(job));
  private readonly transferring = new Set<Job>();
  private readonly failures = new Map<string, Failure>();
  private running = 0;
  private committing = 0;
  private backgroundLimit: number;
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
    this.backgroundLimit = concurrency;
  }

  /**
   * The download of this file: the running one if any, else a new one queued. `file.priority` (from
   * the list) sets its rank; asked again with another, a queued job moves to its new rank.
   */
  request(file: CacheFile): Promise<StoreEntry> {
    const rank = RANK[file.priority ?? 'event'];
    const existing = this.jobs.get(file.sha256);
    if (existing) {
      if (existing.rank !== rank) this.rerank(existing, () => (existing.rank = rank));
      return existing.promise;
    }
    const job = {
      file,
      state: { kind: 'queued' },
      requeues: 0,
      backoffTimer: null,
      rank,
      boosts: 0,
      slot: 'none',
      started: false,
      pause: new PauseControl(),
    } as Job;
    job.promise = new Promise<StoreEntry>((resolve, reject) => {
      job.resolve = resolve;
      job.reject = reject;
    });
    // Callers that do not wait (the sync loop) must not trigger unhandled rejections.
    job.promise.catch(() => undefined);
    this.jobs.set(file.sha256, job);
    this.failures.delete(file.sha256);
    this.onChange(file.sha256, job.state);
    this.waiting.add(job);
    this.pump();
    return job.promise;
  }

  /**
   * Puts this hash's job (it must have been requested) at the top of the queue until the returned
   * release is called: a file someone is waiting to open. Released, it goes back to its list rank
   * (and is paused again if background work is over its limit), so a caller that gave up does not
   * leave it ahead of the room's other files.
   */
  boost(sha256: string): () => void {
    const job = this.jobs.get(sha256);
    if (!job) return () => undefined;
    this.rerank(job, () => (job.boosts += 1));
    this.pump();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (this.jobs.get(sha256) !== job) return;
      this.rerank(job, () => (job.boosts -= 1));
      this.enforceBackgroundLimit();
      this.pump();
    };
  }

  /** Whether this hash is background work now (listed rank, nobody waiting to open it). */
  isBackground(sha256: string): boolean {
    const job = this.jobs.get(sha256);
    return job === undefined || this.rankOf(job) > 0;
  }

  /**
   * Most background transfers at a time (a presentation runs: 1 to throttle, 0 to pause); null for
   * `concurrency`. Transfers above a lowered limit are paused (resumed with Range later).
   */
  setBackgroundLimit(limit: number | null): void {
    const next = limit === null ? this.concurrency : Math.max(0, Math.min(this.concurrency, Math.floor(limit)));
    if (next === this.backgroundLimit) return;
    this.backgroundLimit = next;
    this.enforceBackgroundLimit();
    this.pump();
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
      this.waiting.add(job);
    }
    for (const job of this.waiting.drain()) {
      // A paused transfer wakes and sees the aborted signal; the others start and fail at once.
      if (job.started) job.pause.resume();
      else this.occupy(job);
    }
  }

  /** Resolves when nothing is running or queued (used by close and tests). */
  async idle(): Promise<void> {
    while (this.jobs.size > 0) await Promise.allSettled([...this.jobs.values()].map((j) => j.promise));
  }

  private rankOf(job: Job): number {
    return job.boosts > 0 ? RANK.open : job.rank;
  }

  /** Changes what decides a job's rank; a paused transfer keeps its place ahead of jobs never started. */
  private rerank(job: Job, change: () => void): void {
    this.waiting.rerank(job, change, () => job.started);
  }

  private runningBackground(): number {
    let n = 0;
    for (const job of this.transferring) if (this.rankOf(job) > 0) n += 1;
    return n;
  }

  private pump(): void {
    while (!this.closed) {
      const next = this.waiting.next();
      if (!next) return;
      const top = this.rankOf(next) === RANK.open;
      if (top) {
        // A file asked to open now does not wait for a slot: it takes one from background work.
        if (this.running >= this.concurrency && !this.pauseOneBackground()) return;
      } else if (
        this.running >= this.concurrency ||
        this.committing >= this.concurrency ||
        this.runningBackground() >= this.backgroundLimit
      )
        return;
      this.waiting.remove(next);
      if (next.started) {
        this.take(next);
        next.pause.resume();
      } else this.occupy(next);
    }
  }

  private take(job: Job): void {
    this.running += 1;
    job.slot = 'running';
    this.transferring.add(job);
  }

  private occupy(job: Job): void {
    this.take(job);
    job.started = true;
    this.startSoon(job);
  }

  private giveUpSlot(job: Job): void {
    if (job.slot === 'running') this.running -= 1;
    else if (job.slot === 'committing') this.committing -= 1;
    job.slot = 'none';
    this.transferring.delete(job);
  }

  /**
   * Pauses the lowest-ranked, most recently asked running background transfer that is on the network
   * (not adopting or committing); it waits at the front of its rank. Returns whether one was paused.
   */
  private pauseOneBackground(): boolean {
    let victim: Job | null = null;
    for (const job of this.transferring) {
      if (this.rankOf(job) === RANK.open || job.slot !== 'running') continue;
      const kind = job.state.kind;
      if (kind !== 'connecting' && kind !== 'receiving' && kind !== 'retrying' && kind !== 'queued') continue;
      if (!victim || this.rankOf(job) >= this.rankOf(victim)) victim = job;
    }
    if (!victim) return false;
    this.giveUpSlot(victim);
    victim.pause.pause();
    this.waiting.add(victim, true);
    return true;
  }

  private enforceBackgroundLimit(): void {
    let over = this.runningBackground() - this.backgroundLimit;
    while (over > 0 && this.pauseOneBackground()) over -= 1;
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
    let outcome: { ok: true; entry: StoreEntry } | { ok: false; err: unknown } | { requeue: true; message: string };
    try {
      const entry = await this.run(
        job.file,
        (state) => {
          // A slow transfer that goes back to the queue is not a failure (yet): its callers keep waiting.
          if (state.kind === 'failed' && state.retryLater && this.mayRequeue(job)) return;
          job.state = state;
          if (state.kind === 'committing' && job.slot !== 'committing') {
            // Done with the network (even if a pause came too late to stop it): a commit slot, not a transfer slot.
            if (job.slot === 'none' && this.waiting.remove(job)) job.pause.resume();
            this.giveUpSlot(job);
            job.slot = 'committing';
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
        },
        job.pause,
      );
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
    // A job paused just as it ended is still in the queue: it must not be resumed later.
    if (job.slot === 'none' && this.waiting.remove(job)) job.pause.resume();
    this.giveUpSlot(job);
    job.started = false;
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
      this.waiting.add(job);
      this.pump();
    }, retryInMs);
  }
}
