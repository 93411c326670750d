/** What the timer needs of the page; the real `document`/`window` by default, plain objects in tests. */
export interface VisibilityHost {
  isHidden(): boolean;
  /** Calls `listener` when the page is shown again or gets the focus; returns the remover. */
  onShown(listener: () => void): () => void;
  /** Calls `listener` when the page is hidden; returns the remover. */
  onHidden(listener: () => void): () => void;
}

export function documentVisibility(doc: Document = document, win: Window = window): VisibilityHost {
  return {
    isHidden: () => doc.visibilityState === 'hidden',
    onShown(listener) {
      const onVisibility = () => {
        if (doc.visibilityState !== 'hidden') listener();
      };
      doc.addEventListener('visibilitychange', onVisibility);
      win.addEventListener('focus', listener);
      return () => {
        doc.removeEventListener('visibilitychange', onVisibility);
        win.removeEventListener('focus', listener);
      };
    },
    onHidden(listener) {
      const onVisibility = () => {
        if (doc.visibilityState === 'hidden') listener();
      };
      doc.addEventListener('visibilitychange', onVisibility);
      return () => doc.removeEventListener('visibilitychange', onVisibility);
    },
  };
}

/**
 * Runs `task` now and then every `periodMs()` from the start of the previous run (never two at
 * once: a run longer than the period is followed by the next one at once),
 * while the page is visible. Hidden: no timer at all; shown or focused again: one run at once, then
 * the period again. The period is read before each wait, so a new one from the API applies at once.
 */
export class RefreshTimer {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private started = false;
  private again = false;
  private removers: Array<() => void> = [];

  constructor(
    private readonly task: () => Promise<void>,
    private readonly periodMs: () => number,
    private readonly host: VisibilityHost,
  ) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.removers = [this.host.onShown(() => this.runNow()), this.host.onHidden(() => this.clear())];
    this.runNow();
  }

  stop(): void {
    this.started = false;
    this.clear();
    for (const remove of this.removers) remove();
    this.removers = [];
  }

  /** A refresh now (e.g. the user asked), unless hidden; one already running is followed by one more. */
  runNow(): void {
    if (!this.started || this.host.isHidden()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.clear();
    this.running = true;
    const startedAt = Date.now();
    this.task()
      .catch(() => undefined) // the task reports its own failures; the timer only keeps time
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.runNow();
        } else this.schedule(Date.now() - startedAt);
      });
  }

  private schedule(elapsedMs: number): void {
    this.clear();
    if (!this.started || this.host.isHidden()) return;
    this.timer = setTimeout(() => this.runNow(), Math.max(0, this.periodMs() - elapsedMs));
  }

  private clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
