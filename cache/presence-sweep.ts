import type { Logger } from 'pino';
import type { ContentStore } from './store';

export interface PresenceSweepOptions {
  store: ContentStore;
  logger: Logger;
  /** Entries stat'ed per sync period: a store of N entries is swept every N / perPeriod periods. */
  perPeriod?: number;
  /** Hashes asked about by `status` that are checked ahead of the sweep (at most this many waiting). */
  maxUrgent?: number;
  /** Least time between two checks started by `status` (a page polling status must not become a stat storm). */
  urgentIntervalMs?: number;
  now?: () => number;
  /**
   * A trusted entry vanished (`missing`) or was written to (`changed`: size or mtime differ) behind
   * the cache's back; the store has already stopped trusting it.
   */
  onGone: (sha256: string, how: 'missing' | 'changed') => void;
}

/** 500 stats per period: 5,000 entries are swept every 10 periods (2.5 min at the 15 s default). */
export const DEFAULT_SWEEP_PER_PERIOD = 500;
/** Hashes asked about by `status` that wait for a check at most (the default of `maxUrgent`). */
export const MAX_URGENT_CHECKS = 256;
const DEFAULT_URGENT_INTERVAL_MS = 1_000;

/**
 * Notices files that another process deleted, truncated or rewrote while the cache is open (a user
 * in Finder, a second tool), so the cache stops reporting them present and fetches them again. The
 * store's index is built once at open; after that only this sweep looks at the disk: one `stat` per
 * entry, a bounded slice per sync period, plus the hashes `status` was just asked about, checked
 * first. The ticks themselves stay memory lookups. A file rewritten with the same size and mtime is
 * not seen by a stat: `verify` re-hashes.
 */
export class PresenceSweep {
  private pending: string[] = [];
  private readonly urgent = new Set<string>();
  private running: Promise<void> | null = null;
  private readonly perPeriod: number;
  private readonly maxUrgent: number;
  private lastUrgentAt = Number.NEGATIVE_INFINITY;
  private closed = false;
  /** Stats made since the sweep was created (for the cost figures). */
  stats = 0;

  constructor(private readonly options: PresenceSweepOptions) {
    this.perPeriod = options.perPeriod ?? DEFAULT_SWEEP_PER_PERIOD;
    this.maxUrgent = options.maxUrgent ?? MAX_URGENT_CHECKS;
  }

  /** One period's slice: the urgent hashes, then the next entries of the running sweep. */
  step(): Promise<void> {
    if (this.running) return this.running;
    if (this.closed) return Promise.resolve();
    if (this.pending.length === 0) this.pending = [...this.options.store.hashes()].reverse();
    const batch = [...this.urgent, ...this.pending.splice(-this.perPeriod).reverse()];
    this.urgent.clear();
    return this.run(batch);
  }

  /** Checks these hashes soon (status was asked about them), without waiting for the period. */
  checkSoon(hashes: Iterable<string>): void {
    for (const sha256 of hashes) {
      if (this.urgent.size >= this.maxUrgent) break;
      if (this.options.store.has(sha256)) this.urgent.add(sha256);
    }
    const now = (this.options.now ?? Date.now)();
    if (
      this.urgent.size === 0 ||
      this.running ||
      now - this.lastUrgentAt < (this.options.urgentIntervalMs ?? DEFAULT_URGENT_INTERVAL_MS)
    )
      return;
    this.lastUrgentAt = now;
    // After the caller's turn: `status` itself stays a memory lookup.
    setImmediate(() => {
      if (this.running || this.urgent.size === 0) return;
      const batch = [...this.urgent];
      this.urgent.clear();
      void this.run(batch);
    });
  }

  /** Checks one entry now (before a launch hands its path out); true when it is still what was verified. */
  async confirm(sha256: string): Promise<boolean> {
    if (!this.options.store.has(sha256)) return false;
    await this.checkOne(sha256);
    return this.options.store.has(sha256);
  }

  /** Stops checking (the cache is closing); resolves once a check under way has ended. */
  async close(): Promise<void> {
    this.closed = true;
    this.urgent.clear();
    await this.running;
  }

  private run(batch: string[]): Promise<void> {
    const running = (async () => {
      for (const sha256 of batch) await this.checkOne(sha256);
    })()
      .catch((err: unknown) => this.options.logger.warn({ err }, 'cache: presence sweep failed'))
      .finally(() => {
        this.running = null;
      });
    this.running = running;
    return running;
  }

  private async checkOne(sha256: string): Promise<void> {
    const { store } = this.options;
    if (this.closed || !store.has(sha256)) return;
    this.stats += 1;
    const result = await store.check(sha256);
    if (this.closed || result === 'ok' || result === 'unknown' || !store.has(sha256)) return;
    store.drop(sha256);
    this.options.logger.warn(
      { sha256, how: result },
      'cache: an entry was removed or changed outside the app; fetching it again',
    );
    this.options.onGone(sha256, result);
  }
}
