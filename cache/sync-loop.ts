import type { Logger } from 'pino';
import { assertNever } from '../base/failure';
import { createMachine, type Machine, stay, to, type Transition } from '../base/machine';
import type { DownloadScheduler } from './scheduler';
import type { CacheFile, SyncSummary } from '../contracts/cache';
import type { ContentStore } from './store';

/**
 * The sync loop's machine: what it is doing, without the time of the last tick (which changes on
 * every tick and is not news, so it is kept beside the machine and added to `SyncSummary`).
 */
export type SyncPhase =
  { state: 'stopped' } | { state: 'idle'; wanted: number } | { state: 'syncing'; wanted: number; pending: number };

export type SyncEvent =
  | { type: 'start'; wanted: number }
  | { type: 'stop' }
  /** A reconcile pass counted `pending` downloads (running or just queued) of `wanted` files. */
  | { type: 'reconciled'; wanted: number; pending: number };

export type SyncEffect = { type: 'start-timer' } | { type: 'stop-timer' } | { type: 'tick' };

/**
 * The pure transition: start arms the period timer and reconciles at once; a pass while stopped
 * changes nothing; the same counts again are no change (an idle tick tells nobody).
 */
export function syncStep(state: SyncPhase, event: SyncEvent): Transition<SyncPhase, SyncEffect> {
  switch (event.type) {
    case 'start':
      if (state.state !== 'stopped') return stay(state);
      return to<SyncPhase, SyncEffect>(
        { state: 'idle', wanted: event.wanted },
        { type: 'start-timer' },
        { type: 'tick' },
      );
    case 'stop':
      return state.state === 'stopped'
        ? stay(state)
        : to<SyncPhase, SyncEffect>({ state: 'stopped' }, { type: 'stop-timer' });
    case 'reconciled': {
      if (state.state === 'stopped') return stay(state);
      if (event.pending === 0)
        return state.state === 'idle' && state.wanted === event.wanted
          ? stay(state)
          : to({ state: 'idle', wanted: event.wanted });
      const same = state.state === 'syncing' && state.wanted === event.wanted && state.pending === event.pending;
      return same ? stay(state) : to({ state: 'syncing', wanted: event.wanted, pending: event.pending });
    }
    default:
      return assertNever(event, 'sync loop event');
  }
}

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
  private periodMs: number;
  private lastTickAt = 0;
  private summary: SyncSummary = { state: 'stopped' };
  private readonly now: () => number;
  private readonly machine: Machine<SyncPhase, SyncEvent>;

  constructor(private readonly options: SyncLoopOptions) {
    this.periodMs = options.periodMs;
    this.now = options.now ?? Date.now;
    this.machine = createMachine<SyncPhase, SyncEvent, SyncEffect>({
      initial: { state: 'stopped' },
      step: syncStep,
      run: (effect) => this.perform(effect),
      onListenerError: (err) => options.logger.error({ err }, 'a sync loop state listener threw'),
    });
    this.machine.subscribe((phase) => {
      this.summary = this.summarise(phase);
      options.onState(this.summary);
    });
  }

  get state(): SyncSummary {
    return this.summary;
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
    this.lastTickAt = this.now();
    this.machine.dispatch({ type: 'start', wanted: this.wanted.size });
  }

  stop(): void {
    this.machine.dispatch({ type: 'stop' });
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
    if (this.machine.state().state === 'stopped') return 0;
    const { store, scheduler, transientRetryMs } = this.options;
    const now = this.now();
    let pending = 0;
    let started = 0;
    for (const file of this.wanted.values()) {
      if (store.has(file.sha256)) continue;
      if (scheduler.isActive(file.sha256)) {
        // The list may have moved it (the next session is now the running one): the queue follows.
        if (file.priority !== undefined) void scheduler.request(file);
        pending += 1;
        continue;
      }
      const failure = scheduler.failure(file.sha256);
      if (failure && (failure.permanent || now - failure.at < transientRetryMs)) continue;
      scheduler.request(file);
      pending += 1;
      started += 1;
    }
    if (started > 0)
      this.options.logger.info({ started, pending, wanted: this.wanted.size }, 'cache: sync queued downloads');
    this.lastTickAt = now;
    this.machine.dispatch({ type: 'reconciled', wanted: this.wanted.size, pending });
    // The tick time changes on every pass without being news: kept current for readers, not announced.
    this.summary = this.summarise(this.machine.state());
    return started;
  }

  private perform(effect: SyncEffect): void {
    switch (effect.type) {
      case 'start-timer':
        if (!this.timer) this.schedule();
        return;
      case 'stop-timer':
        if (this.timer) clearInterval(this.timer);
        this.timer = null;
        return;
      case 'tick':
        this.tick();
        return;
      default:
        return assertNever(effect, 'sync loop effect');
    }
  }

  private summarise(phase: SyncPhase): SyncSummary {
    return phase.state === 'stopped' ? phase : { ...phase, lastTickAt: this.lastTickAt };
  }

  private schedule(): void {
    this.timer = setInterval(() => {
      this.options.onPeriod?.();
      this.tick();
    }, this.periodMs);
    this.timer.unref();
  }
}
