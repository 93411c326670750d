import type { Logger } from 'pino';
import type { DownloadScheduler } from './scheduler';
import type { CacheFile, SyncSummary } from '../contracts/cache';
import type { ContentStore } from './store';

export interface SyncLoopOptions {
  store: ContentStore;
  scheduler: DownloadScheduler;
  logger: Logger;
  periodMs: number;
  /** How long a transient failure (network, 5xx, disk full) waits before the loop tries that file again. */
  transientRetryMs: number;
  onState: (state: SyncSummary) => void;
  now?: () => number;
  /** Runs before each periodic tick (not before ticks asked for): the cache's presence sweep. */
  onPeriod?: () => void;
}

/**
 * Reconciles the page's current file list with the store every period: missing files are handed to
 * the scheduler, present ones are not touched. A tick is map lookups only (no disk access, no hashing),
 * so an idle tick over thousands of entries costs next to nothing.
 */
export class SyncLoop {
  private wanted = new Map<string, CacheFile>();
  private timer: NodeJS.Timeout | null = null;
  private current: SyncSummary = { state: 'stopped' };
  private periodMs: number;
  private readonly now: () => number;

  constructor(private readonly options: SyncLoopOptions) {
    this.periodMs = options.periodMs;
    this.now = options.now ?? Date.now;
  }

  get state(): SyncSummary {
    return this.current;
  }

  get wantedFiles(): ReadonlyMap<string, CacheFile> {
    return this.wanted;
  }

  /** Replaces the current list (the page's whole list, not a delta). */
  setWanted(files: readonly CacheFile[], retryFailed = false): void {
    const next = new Map<string, CacheFile>();
    for (const file of files) next.set(file.sha256, file);
    if (retryFailed) for (const sha256 of next.keys()) this.options.scheduler.clearFailure(sha256);
    this.wanted = next;
  }

  start(): void {
    if (this.timer) return;
    this.setState({ state: 'idle', lastTickAt: this.now(), wanted: this.wanted.size });
    this.schedule();
    this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.setState({ state: 'stopped' });
  }

  setPeriod(periodMs: number): void {
    if (periodMs === this.periodMs) return;
    this.periodMs = periodMs;
    if (this.timer) {
      clearInterval(this.timer);
      this.schedule();
    }
  }

  /** One reconcile pass; returns how many downloads it started. */
  tick(): number {
    if (this.current.state === 'stopped') return 0;
    const { store, scheduler, transientRetryMs } = this.options;
    const now = this.now();
    let pending = 0;
    let started = 0;
    for (const file of this.wanted.values()) {
      if (store.has(file.sha256)) continue;
      if (scheduler.isActive(file.sha256)) {
        pending += 1;
        continue;
      }
      const failure = scheduler.failure(file.sha256);
      if (failure && (failure.permanent || now - failure.at < transientRetryMs)) continue;
      scheduler.request(file);
      pending += 1;
      started += 1;
    }
    if (started > 0) this.options.logger.info({ started, pending, wanted: this.wanted.size }, 'cache: sync queued downloads');
    this.setState(pending > 0 ? { state: 'syncing', lastTickAt: now, wanted: this.wanted.size, pending } : { state: 'idle', lastTickAt: now, wanted: this.wanted.size });
    return started;
  }

  private schedule(): void {
    this.timer = setInterval(() => {
      this.options.onPeriod?.();
      this.tick();
    }, this.periodMs);
    this.timer.unref();
  }

  private setState(next: SyncSummary): void {
    const prev = this.current;
    this.current = next;
    const same =
      prev.state === next.state &&
      (prev.state !== 'syncing' || next.state !== 'syncing' || prev.pending === next.pending) &&
      (prev.state === 'stopped' || next.state === 'stopped' || prev.state === 'failed' || next.state === 'failed' || prev.wanted === next.wanted);
    if (!same) this.options.onState(next);
  }
}
