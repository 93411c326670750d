import type { CacheStatusReport, CacheWantedFile } from './bridge-types.js';
import { syncOrder, type LauncherFile } from './event-files.js';

/** The one bridge call background sync makes. */
export interface EnsureCall {
  (input: { files: CacheWantedFile[] }): Promise<CacheStatusReport>;
}

const MAX_FILENAME = 255;

/**
 * The spec's `LauncherBackgroundSync`: hands the main process the page's current file list (the
 * session that starts next first) whenever it changes, and again every `check_event_loop_period`
 * so a restarted or offline-then-online app converges on what the page shows. The main process
 * owns the downloads; this only says what is wanted, in which order.
 */
export class LauncherBackgroundSync {
  private files: LauncherFile[] = [];
  private handedKey = '';
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private inFlight: Promise<CacheStatusReport | null> | null = null;

  constructor(
    private readonly ensure: EnsureCall,
    private readonly options: {
      periodSeconds: () => number;
      now?: () => number;
      onReport?: (report: CacheStatusReport) => void;
      onError?: (err: unknown) => void;
    },
  ) {}

  /** The page shows another list: hand it over now if it differs from the last one handed over. */
  async setFiles(files: readonly LauncherFile[]): Promise<CacheStatusReport | null> {
    this.files = syncOrder(files, (this.options.now ?? Date.now)());
    const key = this.files.map((f) => f.sha256).join(',');
    if (key === this.handedKey) return null;
    return this.handOver();
  }

  /** The wanted list as last handed over, in sync order. */
  get order(): readonly LauncherFile[] {
    return this.files;
  }

  /** Re-hands the list every period; the period is read before each wait (the device record may arrive late). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(
      () => {
        void this.handOver().finally(() => this.schedule());
      },
      Math.max(1000, this.options.periodSeconds() * 1000),
    );
  }

  private handOver(): Promise<CacheStatusReport | null> {
    if (this.inFlight) return this.inFlight.then(() => this.handOver());
    const files = this.files;
    const key = files.map((f) => f.sha256).join(',');
    this.inFlight = this.ensure({
      files: files.map((f) => ({
        sha256: f.sha256,
        size: f.size,
        ...(f.filename.length <= MAX_FILENAME ? { filename: f.filename } : {}),
      })),
    })
      .then((report) => {
        this.handedKey = key;
        this.options.onReport?.(report);
        return report;
      })
      .catch((err: unknown) => {
        this.options.onError?.(err);
        return null;
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }
}
