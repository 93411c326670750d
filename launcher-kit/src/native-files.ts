import { LauncherBackgroundSync } from './background-sync.js';
import type { CacheFileStatus, CacheStatusReport } from './bridge-types.js';
import type { LauncherFile } from './event-files.js';
import { AVAILABLE, fromCacheStatus, openFailed, opened, waitingToOpen } from './file-state.js';
import type { ModeDriver, StateBook } from './mode-driver.js';
import { bridgeErrorCode, type NativeClient } from './native-client.js';

function explain(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = bridgeErrorCode(err);
  return code === 'NOT_FOUND' ? 'not in this laptop’s cache yet' : message;
}

/**
 * Native mode: the app caches every file of the list in the background (session order) and Open
 * launches a local copy through `launch.open`. A click on a file still downloading calls `launch.open`
 * at once too: the app then fetches that file before everything queued and answers once it is
 * verified (or with TIMEOUT after its bounded wait). Meanwhile the row says "opens when ready" and
 * follows the cache's progress events.
 */
export class NativeFiles implements ModeDriver {
  readonly actionLabel = 'Open';
  readonly sync: LauncherBackgroundSync;
  private files = new Map<string, LauncherFile>();
  private stopProgress: (() => void) | null = null;
  private readonly opening = new Set<string>();

  constructor(
    private readonly client: NativeClient,
    private readonly book: StateBook,
    checkPeriodSeconds: () => number,
    private readonly onProblem: (message: string | null) => void,
  ) {
    this.sync = new LauncherBackgroundSync((input) => client.cache.ensure.mutate(input), {
      periodSeconds: checkPeriodSeconds,
      onReport: (report) => this.apply(report),
      onError: (err) => onProblem(`the app could not take the file list: ${explain(err)}`),
    });
    const live = client.cache.progress.subscribe(undefined, {
      onData: (event) => {
        if (event.type === 'file') this.applyOne(event.status as CacheFileStatus);
      },
      onError: (err) => onProblem(`live progress stopped: ${explain(err)}`),
    });
    this.stopProgress = () => live.unsubscribe();
    this.sync.start();
  }

  savedName(file: LauncherFile): string {
    return file.filename;
  }

  async onList(files: readonly LauncherFile[]): Promise<void> {
    this.files = new Map(files.map((f) => [f.sha256, f]));
    for (const file of files)
      if (!this.book.get(file.sha256)) this.book.set(file.sha256, { ...AVAILABLE, phase: 'queued', progress: 0 });
    await this.sync.setFiles(files);
    // The cache's own view, also when the API is down: it is the source of truth for what can open.
    this.apply(await this.client.cache.status.query({ hashes: files.map((f) => f.sha256) }));
  }

  async run(file: LauncherFile): Promise<void> {
    const state = this.book.get(file.sha256) ?? AVAILABLE;
    if (this.opening.has(file.sha256) || state.phase === 'opening' || state.opensWhenReady) return;
    if (state.phase === 'failed') {
      // A click on a failed file is a request to try again.
      try {
        this.apply(
          await this.client.cache.ensure.mutate({
            files: this.sync.order.map((f) => ({ sha256: f.sha256, size: f.size })),
            retryFailed: true,
          }),
        );
      } catch (err) {
        this.book.set(file.sha256, { ...state, message: `could not try again: ${explain(err)}` });
        return;
      }
    }
    return this.open(file);
  }

  stop(): void {
    this.stopProgress?.();
    this.stopProgress = null;
    this.sync.stop();
  }

  private apply(report: CacheStatusReport): void {
    for (const status of report.files) this.applyOne(status);
  }

  private applyOne(status: CacheFileStatus): void {
    const file = this.files.get(status.sha256);
    if (!file) return;
    this.book.set(status.sha256, fromCacheStatus(status, this.book.get(status.sha256), file.size));
  }

  /** One `launch.open` per file at a time; a file not ready yet is waited for by the app, not here. */
  private async open(file: LauncherFile): Promise<void> {
    if (this.opening.has(file.sha256)) return;
    this.opening.add(file.sha256);
    const before = this.book.get(file.sha256) ?? AVAILABLE;
    this.book.set(
      file.sha256,
      before.phase === 'ready'
        ? { ...before, phase: 'opening', opensWhenReady: false, message: null }
        : waitingToOpen(before),
    );
    const startedAt = Date.now();
    try {
      const result = await this.client.launch.open.mutate({ sha256: file.sha256, filename: file.filename });
      this.book.set(file.sha256, opened(this.book.get(file.sha256) ?? before, result.filename));
    } catch (err) {
      this.book.set(
        file.sha256,
        openFailed(this.book.get(file.sha256) ?? before, {
          code: bridgeErrorCode(err),
          message: err instanceof Error ? err.message : String(err),
          waitedMs: Date.now() - startedAt,
        }),
      );
    } finally {
      this.opening.delete(file.sha256);
    }
  }
}
