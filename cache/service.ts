import type { Logger } from 'pino';
import { nodeCacheFs, type CacheFs } from './cache-fs';
import { DEFAULT_DOWNLOAD_OPTIONS, downloadFile, type DownloadOptions, type DownloadState } from './download';
import type { FileSource } from './file-source';
import { FileHttpClient } from './http-get';
import { collectGarbage } from './gc';
import { DEFAULT_PROGRESS_INTERVAL_MS, ProgressHub, type ProgressListener } from './progress';
import { DEFAULT_SLOW_RETRY, type SlowRetryPolicy } from './queue-rules';
import { DEFAULT_CONCURRENCY, DownloadScheduler } from './scheduler';
import type {
  CacheFile,
  DiskReport,
  EnsureInput,
  FilesReport,
  GcReport,
  ProgressEvent,
  StatusReport,
  SyncSummary,
  VerifyReport,
} from '../contracts/cache';
import { addToTotals, emptyTotals, fileStatus } from './status';
import { DEFAULT_MIN_FREE_BYTES, SpaceBudget, type FreeBytes } from './disk-space';
import { FreeSpaceGauge } from './free-space-gauge';
import { MAX_URGENT_CHECKS, PresenceSweep } from './presence-sweep';
import { acquireCacheLock, type CacheLock, type LockOptions } from './lock';
import { StoreIoError } from './errors';
import { openStore } from './open-store';
import type { ContentStore, StoreEntry } from './store';
import { SyncLoop } from './sync-loop';
import { verifyEntries } from './verify';
import type { PauseControl } from './pause-control';
import { RateLimiter } from './rate-limit';

/**
 * How background sync behaves (issue 12): `full` uses every slot, `throttle` one transfer at a time,
 * `pause` starts none (running ones are paused and resume with Range). `maxMbps` caps background
 * bytes whatever the mode (core/sync-policy.ts gives `throttle` a default cap). A file asked to open
 * now (`fetchForOpen`) ignores both.
 */
export interface BackgroundPolicy {
  mode: 'full' | 'throttle' | 'pause';
  maxMbps: number | null;
}

/**
 * What the `cache` procedures call (router/cache.ts); each method is one procedure. Built by the core
 * as the page-facing cache (page-cache.ts), which adds readiness per session and free space.
 */
export interface CacheService {
  status(hashes: readonly string[]): Promise<StatusReport>;
  /** Hands over the page's current file list (replacing the previous one) and reconciles at once. */
  ensure(input: EnsureInput): Promise<StatusReport>;
  subscribe(listener: ProgressListener): () => void;
  verify(hashes?: readonly string[]): Promise<VerifyReport>;
  gc(keep: readonly string[]): Promise<GcReport>;
}

export interface CacheDeps {
  root: string;
  source: FileSource;
  logger: Logger;
  fs?: CacheFs;
  /** Sync period: `check_event_loop_period` seconds × 1000. */
  periodMs?: number;
  concurrency?: number;
  download?: Partial<DownloadOptions>;
  transientRetryMs?: number;
  progressIntervalMs?: number;
  now?: () => number;
  random?: () => number;
  /**
   * The root's one-writer lock (lock.ts), taken before anything is changed and released by close.
   * Default: `{ role: 'app' }`, refusing at once when another process holds it.
   */
  lock?: LockOptions;
  /** Free bytes a download may never use (disk-space.ts, default 16 MiB), and how free space is read. */
  minFreeBytes?: number;
  freeBytes?: FreeBytes;
  /** How long a free-space reading answers `disk()` before it is read again (free-space-gauge.ts). */
  freeSpaceMaxAgeMs?: number;
  /** How a download that was too slow goes back to the queue (scheduler.ts). */
  slowRetry?: SlowRetryPolicy;
  /** Entries stat'ed per sync period to notice files removed or changed outside the app (presence-sweep.ts). */
  sweepPerPeriod?: number;
}

/**
 * The cache as one object: store + scheduler + sync loop + progress. Built by `openCache`; the
 * composition root calls `start()` once the page may hand over its list, and `close()` on quit.
 */
export class Cache {
  private readonly abort = new AbortController();
  private readonly http: FileHttpClient;
  private readonly unverified: Set<string>;
  private readonly space: SpaceBudget;
  readonly freeSpace: FreeSpaceGauge;
  private limiter: RateLimiter | null = null;
  private policy: BackgroundPolicy = { mode: 'full', maxMbps: null };
  readonly scheduler: DownloadScheduler;
  readonly loop: SyncLoop;
  readonly progress: ProgressHub;
  readonly sweep: PresenceSweep;

  constructor(
    readonly store: ContentStore,
    unverified: readonly string[],
    private readonly deps: CacheDeps,
    /** The root's writer lock (openCache takes it), released by close. */
    private readonly lock: CacheLock | null = null,
  ) {
    const concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;
    this.unverified = new Set(unverified);
    this.freeSpace = new FreeSpaceGauge({
      dir: deps.root,
      ...(deps.freeBytes ? { freeBytes: deps.freeBytes } : {}),
      ...(deps.freeSpaceMaxAgeMs !== undefined ? { maxAgeMs: deps.freeSpaceMaxAgeMs } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    });
    this.space = new SpaceBudget(this.freeSpace.noting, deps.minFreeBytes);
    this.sweep = new PresenceSweep({
      store,
      logger: deps.logger,
      ...(deps.sweepPerPeriod !== undefined ? { perPeriod: deps.sweepPerPeriod } : {}),
      onGone: (sha256, how) => {
        // Changed in place: hash it before anything else (a `touch` keeps it); gone: fetch it again.
        if (how === 'changed') this.unverified.add(sha256);
        this.progress.totalsChanged();
        this.loop.tick();
      },
    });
    this.http = new FileHttpClient({ idleConnections: concurrency });
    const now = deps.now ?? Date.now;
    this.progress = new ProgressHub(
      () => this.totalsEvent(),
      deps.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS,
      now,
    );
    this.scheduler = new DownloadScheduler(
      (file, onState, pause) => this.runJob(file, onState, pause),
      concurrency,
      (sha, state) => this.onJobState(sha, state),
      now,
      () => this.loop.tick(),
      deps.slowRetry ?? DEFAULT_SLOW_RETRY,
      deps.random,
    );
    this.loop = new SyncLoop({
      store,
      scheduler: this.scheduler,
      logger: deps.logger,
      periodMs: deps.periodMs ?? 15_000,
      transientRetryMs: deps.transientRetryMs ?? 60_000,
      onState: () => this.progress.totalsChanged(),
      now,
      onPeriod: () => void this.sweep.step(),
    });
  }

  start(): void {
    this.loop.start();
  }

  status(hashes: readonly string[]): FilesReport {
    const wanted = this.loop.wantedFiles;
    const hint = (sha256: string) => wanted.get(sha256)?.size ?? null;
    const totals = emptyTotals();
    const asked: string[] = [];
    const files = hashes.map((sha256) => {
      const status = fileStatus(this.store, this.scheduler, sha256, hint);
      addToTotals(totals, status);
      if (status.state === 'present' && asked.length < MAX_URGENT_CHECKS) asked.push(sha256);
      return status;
    });
    // Memory only here; the present ones are stat'ed soon after, so a file deleted outside is seen.
    // Collected in the same pass: a second pass over 100,000 hashes would cost more than the answer.
    this.sweep.checkSoon(asked);
    return { files, totals };
  }

  ensure({ files, retryFailed = false }: EnsureInput): FilesReport {
    this.loop.setWanted(files, retryFailed);
    this.loop.tick();
    return this.status(files.map((f) => f.sha256));
  }

  subscribe(listener: ProgressListener): () => void {
    return this.progress.subscribe(listener);
  }

  /** The cache's volume (free space read at most once per few seconds, however often this is asked). */
  async disk(): Promise<DiskReport> {
    return diskReport(await this.freeSpace.read(), this.deps.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES, this.store);
  }

  /** `disk()` from the last reading only, for synchronous readers (the status file); null before any. */
  lastDisk(): DiskReport | null {
    const reading = this.freeSpace.latest();
    return reading ? diskReport(reading, this.deps.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES, this.store) : null;
  }

  /** Single-flight download of one file outside the page's list (CLI prefetch, launch of an uncached file). */
  fetch(file: CacheFile): Promise<StoreEntry> {
    const entry = this.store.get(file.sha256);
    return entry ? Promise.resolve(entry) : this.scheduler.request(file);
  }

  /**
   * One file someone is waiting to open (issue 12): fetched ahead of everything queued, pausing a
   * background transfer if every slot is busy. Aborting `signal` stops the wait (rejects with its
   * reason) and puts the file back at its list rank, still downloading: nothing stays at the top for
   * a caller that went away.
   */
  fetchForOpen(file: CacheFile, signal?: AbortSignal): Promise<StoreEntry> {
    const entry = this.store.get(file.sha256);
    if (entry) return Promise.resolve(entry);
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const promise = this.scheduler.request(this.loop.wantedFiles.get(file.sha256) ?? file);
    const release = this.scheduler.boost(file.sha256);
    promise.then(release, release);
    if (!signal) return promise;
    return new Promise<StoreEntry>((resolve, reject) => {
      const onAbort = () => {
        release();
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (e) => (signal.removeEventListener('abort', onAbort), resolve(e)),
        (err: unknown) => (signal.removeEventListener('abort', onAbort), reject(err as Error)),
      );
    });
  }

  /** While a presentation runs, the core makes background sync polite (BackgroundPolicy). */
  setBackgroundPolicy(policy: BackgroundPolicy): void {
    const before = this.policy;
    if (policy.mode === before.mode && policy.maxMbps === before.maxMbps) return;
    this.policy = { ...policy };
    if (policy.maxMbps !== before.maxMbps)
      this.limiter = policy.maxMbps !== null && policy.maxMbps > 0 ? RateLimiter.fromMbps(policy.maxMbps) : null;
    this.deps.logger.info({ mode: policy.mode, maxMbps: policy.maxMbps }, 'cache: background sync policy');
    this.scheduler.setBackgroundLimit(policy.mode === 'pause' ? 0 : policy.mode === 'throttle' ? 1 : null);
  }

  get backgroundPolicy(): BackgroundPolicy {
    return { ...this.policy };
  }

  /** The byte budget background transfers are paced by now (`maxMbps`), or null when uncapped. */
  get backgroundLimiter(): Pick<RateLimiter, 'bytesPerSecond' | 'takenBytes'> | null {
    return this.limiter;
  }

  /** The verified path of a hash, or null: never a file that has not passed a hash check. */
  pathOf(sha256: string): string | null {
    return this.store.pathOf(sha256);
  }

  /**
   * `pathOf` after one stat that the file is still the one verified (before a launch hands it out):
   * null, and fetched again when it is listed, if it was removed or changed outside the app.
   */
  async checkedPathOf(sha256: string): Promise<string | null> {
    return (await this.sweep.confirm(sha256)) ? this.store.pathOf(sha256) : null;
  }

  get syncState(): SyncSummary {
    return this.loop.state;
  }

  async verify(hashes?: readonly string[]): Promise<VerifyReport> {
    const report = await verifyEntries({
      store: this.store,
      scheduler: this.scheduler,
      unverified: this.unverified,
      hashes,
      fs: this.deps.fs ?? nodeCacheFs,
    });
    if (report.quarantined.length > 0) this.loop.tick();
    return report;
  }

  async gc(keep: readonly string[]): Promise<GcReport> {
    return collectGarbage({
      store: this.store,
      scheduler: this.scheduler,
      unverified: this.unverified,
      keep,
      wanted: this.loop.wantedFiles,
      fs: this.deps.fs ?? nodeCacheFs,
      logger: this.deps.logger,
    });
  }

  async close(): Promise<void> {
    this.loop.stop();
    this.abort.abort();
    this.scheduler.close();
    await this.scheduler.idle();
    this.progress.close();
    this.http.close();
    await this.sweep.close();
    await this.lock?.release();
  }

  private async runJob(
    file: CacheFile,
    onState: (state: DownloadState) => void,
    pause: PauseControl,
  ): Promise<StoreEntry> {
    if (this.unverified.delete(file.sha256)) {
      onState({ kind: 'adopting' });
      if (await this.store.adopt(file.sha256)) {
        const entry = this.store.get(file.sha256)!;
        onState({ kind: 'done', entry });
        return entry;
      }
    }
    return downloadFile(file, {
      store: this.store,
      source: this.deps.source,
      http: this.http,
      logger: this.deps.logger,
      options: { ...DEFAULT_DOWNLOAD_OPTIONS, ...this.deps.download },
      onState,
      signal: this.abort.signal,
      space: this.space,
      pause,
      pace: (bytes) =>
        this.limiter && this.scheduler.isBackground(file.sha256) ? this.limiter.take(bytes) : undefined,
      ...(this.deps.random ? { random: this.deps.random } : {}),
    });
  }

  private onJobState(sha256: string, state: DownloadState): void {
    const stateChanged = state.kind !== 'receiving';
    this.progress.file(
      sha256,
      () => ({
        type: 'file',
        status: fileStatus(this.store, this.scheduler, sha256, this.loop.wantedFiles.get(sha256)?.size ?? null),
      }),
      stateChanged,
    );
    if (state.kind === 'done' || state.kind === 'failed') this.progress.forget(sha256);
  }

  private totalsEvent(): ProgressEvent {
    const totals = emptyTotals();
    const wanted = this.loop.wantedFiles;
    for (const file of wanted.values())
      addToTotals(totals, fileStatus(this.store, this.scheduler, file.sha256, file.size ?? null));
    return { type: 'total', totals, sync: this.loop.state };
  }
}

function diskReport(
  reading: { freeBytes: number | null; unknown: DiskReport['freeUnknown']; readAt: number },
  minFreeBytes: number,
  store: Pick<ContentStore, 'totalBytes'>,
): DiskReport {
  return {
    freeBytes: reading.freeBytes,
    freeUnknown: reading.unknown,
    minFreeBytes,
    cacheBytes: store.totalBytes,
    readAt: reading.readAt,
  };
}

/** Opens the store at `deps.root` (one directory walk, stale temps reclaimed) and builds the cache. */
export async function openCache(deps: CacheDeps): Promise<Cache> {
  const fs = deps.fs ?? nodeCacheFs;
  try {
    await fs.mkdir(deps.root, { recursive: true });
  } catch (err) {
    throw new StoreIoError(
      `Cannot create the cache folder ${deps.root}: ${(err as Error).message}. Check local_file_cache_path and its permissions.`,
      { cause: err },
    );
  }
  const lock = await acquireCacheLock(deps.root, deps.lock ?? { role: 'app' });
  try {
    const { store, unverified } = await openStore({ root: deps.root, fs, logger: deps.logger });
    return new Cache(store, unverified, deps, lock);
  } catch (err) {
    await lock.release();
    throw err;
  }
}
