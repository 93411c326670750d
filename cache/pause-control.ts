/**
 * Lets the scheduler pause a running transfer without aborting it (issue 12): `pause` ends the
 * current HTTP attempt (its signal aborts) but the download keeps its temp file, its offset and its
 * running hash, waits in `waitResumed`, and after `resume` goes on with a `Range` request from where
 * it stopped. `epoch` counts pauses, so an attempt that failed because of one is not counted as a
 * network failure even when it was resumed before the download noticed.
 */
export class PauseControl {
  private controller = new AbortController();
  private waiters: Array<() => void> = [];
  private pausedNow = false;
  epoch = 0;

  get paused(): boolean {
    return this.pausedNow;
  }

  /** Aborted while paused: the signal of the current attempt. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  pause(): void {
    if (this.pausedNow) return;
    this.pausedNow = true;
    this.epoch += 1;
    this.controller.abort();
  }

  resume(): void {
    if (!this.pausedNow) return;
    this.pausedNow = false;
    this.controller = new AbortController();
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves once resumed, or at once when `signal` (the cache closing) aborts. */
  waitResumed(signal: AbortSignal): Promise<void> {
    if (!this.pausedNow || signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      this.waiters.push(done);
    });
  }
}
