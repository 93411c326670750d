import type { Logger } from '../base/logger';
import type { Cache } from '../cache/service';
import type { CacheFile } from '../contracts/cache';
import type { EventFile } from '../contracts/api';
import type { IdentityStream, IdentityView } from './identity';

export interface EventFilesDeps {
  identity: IdentityStream;
  /** The API's file list of an event (bootstrap's client). */
  listEventFiles: (eventId: string) => Promise<EventFile[]>;
  cache: Pick<Cache, 'ensure'>;
  logger: Logger;
}

export interface EventFilesFollower {
  /** Lists the files now (also done on every identity and every period). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/** Two event files with the same bytes are one cache entry. */
export function cacheFilesOf(files: readonly EventFile[]): CacheFile[] {
  const unique = new Map<string, CacheFile>();
  for (const f of files) if (!unique.has(f.sha256)) unique.set(f.sha256, { sha256: f.sha256, size: f.size, filename: f.filename });
  return [...unique.values()];
}

/**
 * Where no launcher page hands the cache its file list (the headless agent), the core asks the API
 * for the device's event files itself, on each new identity and every `check_event_loop_period`,
 * and hands the whole list to the cache. A failed listing keeps the last list (logged once per change).
 */
export function followEventFiles({ identity, listEventFiles, cache, logger }: EventFilesDeps): EventFilesFollower {
  let timer: NodeJS.Timeout | null = null;
  let periodMs = 0;
  let running: Promise<void> | null = null;
  let lastProblem: string | null = null;
  let closed = false;

  async function list(view: IdentityView): Promise<void> {
    if (view.kind !== 'identified' || closed) return;
    try {
      const files = cacheFilesOf(await listEventFiles(view.device.event_id));
      if (closed) return;
      const report = cache.ensure({ files });
      lastProblem = null;
      logger.info({ event_id: view.device.event_id, files: files.length, present: report.totals.present }, 'event file list handed to the cache');
    } catch (err) {
      const problem = err instanceof Error ? err.message : String(err);
      if (problem !== lastProblem) logger.warn({ event_id: view.device.event_id, problem }, 'the event file list could not be read; keeping the last one');
      lastProblem = problem;
    }
  }

  function refresh(): Promise<void> {
    running ??= list(identity.current()).finally(() => {
      running = null;
    });
    return running;
  }

  function follow(view: IdentityView): void {
    if (view.kind !== 'identified' || closed) return;
    const next = view.device.check_event_loop_period * 1000;
    if (next !== periodMs) {
      periodMs = next;
      if (timer) clearInterval(timer);
      timer = setInterval(() => void refresh(), periodMs);
      timer.unref();
    }
    void refresh();
  }

  follow(identity.current());
  const unsubscribe = identity.subscribe(follow);
  return {
    refresh,
    async close() {
      closed = true;
      unsubscribe();
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
