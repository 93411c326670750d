import type { ProgressEvent } from '../contracts/cache';

export type ProgressListener = (event: ProgressEvent) => void;

export const DEFAULT_PROGRESS_INTERVAL_MS = 100;

/**
 * Fans progress out to subscribers, throttled so the page is never flooded: byte updates of one file
 * at most every `intervalMs` (state changes always pass), totals at most every `intervalMs` (trailing).
 */
export class ProgressHub {
  private readonly listeners = new Set<ProgressListener>();
  private readonly lastFileEmit = new Map<string, number>();
  private totalsTimer: NodeJS.Timeout | null = null;
  private lastTotalsAt = 0;

  constructor(
    private readonly computeTotals: () => ProgressEvent,
    private readonly intervalMs = DEFAULT_PROGRESS_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  subscribe(listener: ProgressListener): () => void {
    this.listeners.add(listener);
    listener(this.computeTotals());
    return () => {
      this.listeners.delete(listener);
    };
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  /** `stateChanged` false means only the byte count moved: such updates are throttled. */
  file(sha256: string, event: () => ProgressEvent, stateChanged: boolean): void {
    if (this.listeners.size === 0) return;
    const now = this.now();
    const last = this.lastFileEmit.get(sha256) ?? -Infinity;
    if (!stateChanged && now - last < this.intervalMs) {
      this.totalsChanged();
      return;
    }
    this.lastFileEmit.set(sha256, now);
    this.emit(event());
    this.totalsChanged();
  }

  /** Forgets a file's throttle slot once its download is over. */
  forget(sha256: string): void {
    this.lastFileEmit.delete(sha256);
  }

  totalsChanged(): void {
    if (this.listeners.size === 0 || this.totalsTimer) return;
    const wait = Math.max(0, this.lastTotalsAt + this.intervalMs - this.now());
    this.totalsTimer = setTimeout(() => {
      this.totalsTimer = null;
      this.lastTotalsAt = this.now();
      this.emit(this.computeTotals());
    }, wait);
    this.totalsTimer.unref();
  }

  close(): void {
    if (this.totalsTimer) clearTimeout(this.totalsTimer);
    this.totalsTimer = null;
    this.listeners.clear();
  }

  private emit(event: ProgressEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
