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

interface Job {
  file: CacheFile;
  state: DownloadState;
  promise: Promise<StoreEntry>;
  start: () => void;
}

/**
 * One download per hash however many callers ask (single flight), at most `concurrency` transfers at
 * a time, first asked first served. A job that reaches `committing` has finished with the network, so
 * it gives its slot to the next transfer while its fsyncs run: with many small files the disk's
 * flushes overlap the next transfers instead of idling a connection. No transfer starts while
 * `concurrency` files are committing, so fewer than `2 × concurrency` jobs are ever alive.
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
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`download concurrency must be a positive integer, got ${concurrency}`);
  }

  /** The download of this file: the running one if any, else a new one queued. */
  request(file: CacheFile): Promise<StoreEntry> {
    const existing = this.jobs.get(file.sha256);
    if (existing) return existing.promise;
    let start!: () => void;
    const gate = new Promise<void>((resolve) => (start = resolve));
    const job: Job = { file, state: { kind: 'queued' }, start, promise: undefined as unknown as Promise<StoreEntry> };
    job.promise = gate.then(() => this.execute(job));
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
   * Stops taking new work. Queued jobs are started so that they fail at once on the aborted signal
   * (owned by the caller) and every promise settles.
   */
  close(): void {
    this.closed = true;
    for (const job of this.waiting.splice(0)) {
      this.running += 1;
      job.start();
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
      next.start();
    }
  }

  private async execute(job: Job): Promise<StoreEntry> {
    const sha256 = job.file.sha256;
    let holdsSlot = true;
    try {
      return await this.run(job.file, (state) => {
        job.state = state;
        if (state.kind === 'committing' && holdsSlot) {
          holdsSlot = false;
          this.running -= 1;
          this.committing += 1;
          this.pump();
        }
        if (state.kind === 'failed') {
          this.failures.set(sha256, { reason: state.reason, message: state.message, permanent: state.permanent, at: this.now() });
        }
        this.onChange(sha256, state);
      });
    } catch (err) {
      if (!this.failures.has(sha256)) {
        const e = err as CacheError;
        this.failures.set(sha256, { reason: e.reason ?? 'io-error', message: e.message, permanent: e.permanent ?? false, at: this.now() });
      }
      throw err;
    } finally {
      this.jobs.delete(sha256);
      if (holdsSlot) this.running -= 1;
      else this.committing -= 1;
      this.pump();
      this.onSettled(sha256);
    }
  }
}
