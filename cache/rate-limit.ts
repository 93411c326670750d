import { sleep } from '../base/clock';

/**
 * A byte budget shared by every background download: `max_download_mbps` from the device record
 * (issue 12). A bucket refills at the rate and holds one second of it; a piece of body that overdraws
 * it makes the body wait (backpressure, not dropped bytes) for as long as the debt takes to repay.
 * Bursts of a second are allowed, so a slow link is used fully and a fast one is held to the cap.
 */
export class RateLimiter {
  private available: number;
  private last: number;
  /** Bytes charged to this budget so far: counted work, for status and tests (never a timing). */
  takenBytes = 0;

  constructor(
    readonly bytesPerSecond: number,
    private readonly now: () => number = Date.now,
    private readonly wait: (ms: number) => Promise<void> = (ms) => sleep(ms),
  ) {
    if (!(bytesPerSecond > 0)) throw new RangeError(`a rate limit must be positive, got ${bytesPerSecond}`);
    this.available = bytesPerSecond;
    this.last = now();
  }

  /** Megabits per second (the device record's unit) to a limiter. */
  static fromMbps(mbps: number, now?: () => number, wait?: (ms: number) => Promise<void>): RateLimiter {
    return new RateLimiter((mbps * 1_000_000) / 8, now, wait);
  }

  /** How long the caller must hold back after taking `bytes` (0: go on). */
  delayFor(bytes: number): number {
    const at = this.now();
    this.available = Math.min(this.bytesPerSecond, this.available + ((at - this.last) * this.bytesPerSecond) / 1000);
    this.last = at;
    this.available -= bytes;
    this.takenBytes += bytes;
    return this.available >= 0 ? 0 : Math.ceil((-this.available * 1000) / this.bytesPerSecond);
  }

  /** A promise to wait on when `bytes` overdrew the budget, else undefined. */
  take(bytes: number): Promise<void> | undefined {
    const ms = this.delayFor(bytes);
    return ms > 0 ? this.wait(ms) : undefined;
  }
}
