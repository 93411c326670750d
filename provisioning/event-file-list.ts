import { promises as fs } from 'node:fs';
import type { Logger } from 'pino';
import { z } from 'zod';
import { writeJsonAtomic } from '../base/atomic-file';
import { EventFile } from '../contracts/api';
import { MAX_FILES_PER_CALL } from '../contracts/cache';

/**
 * The device's event file list as the API gives it, fetched by the main process with the device's
 * credentials (issue 10). It is the authority for what the page may open (and under which name) and
 * what the cache must keep: nothing the page sends replaces it. The last good list is kept next to
 * the last good device record, so an offline start still knows its files.
 */

/** A page asking for unknown files may make the list refresh, but not more often than this. */
export const DEFAULT_MIN_REFRESH_MS = 30_000;
/** The kept list is a few hundred KiB for a big event; anything near this is not ours. */
const MAX_SAVED_BYTES = 32 * 1024 * 1024;

export const EVENT_FILES_FILE = 'event-files.json';

const SavedList = z.object({
  version: z.literal(1),
  event_id: z.string().min(1),
  fetched_at: z.iso.datetime({ offset: true }),
  items: z.array(EventFile),
});

export type EventFilesListener = (files: readonly EventFile[]) => void;

export interface EventFileListDeps {
  /** The current device's event, or null before bootstrap knows the device. */
  eventId: () => string | null;
  /** `api.listEventFiles(eventId)` with the device's credentials. */
  fetch: (eventId: string) => Promise<EventFile[]>;
  /** Where the last good list is kept; absent: memory only. */
  file?: string;
  minRefreshMs?: number;
  now?: () => number;
  logger: Logger;
}

export interface EventFileList {
  /** The list of the current event, or null when it was never received (nor kept from an earlier run). */
  current(): readonly EventFile[] | null;
  /**
   * Fetches the list again. One request at a time; unless `force`, at most one per `minRefreshMs`
   * (calls in between get the list as it is). Never rejects: a failed fetch keeps the last list.
   */
  refresh(options?: { force?: boolean }): Promise<readonly EventFile[] | null>;
  /** Called with each new list (after a fetch or a load); returns the unsubscribe function. */
  subscribe(listener: EventFilesListener): () => void;
  /** Reads the kept list (a missing, unreadable or foreign file is no list). */
  load(): Promise<void>;
  /** How many requests went to the API (for tests and logs). */
  readonly fetches: number;
}

function capItems(items: EventFile[], logger: Logger): EventFile[] {
  if (items.length <= MAX_FILES_PER_CALL) return items;
  logger.warn(
    { items: items.length, kept: MAX_FILES_PER_CALL },
    'the event file list is longer than the cache follows; the rest is ignored',
  );
  return items.slice(0, MAX_FILES_PER_CALL);
}

export function createEventFileList(deps: EventFileListDeps): EventFileList {
  const now = deps.now ?? Date.now;
  const minRefreshMs = deps.minRefreshMs ?? DEFAULT_MIN_REFRESH_MS;
  const listeners = new Set<EventFilesListener>();
  let list: { eventId: string; items: EventFile[] } | null = null;
  let inFlight: Promise<readonly EventFile[] | null> | null = null;
  let lastAttemptAt = -Infinity;
  let fetches = 0;

  const current = (): readonly EventFile[] | null => {
    const eventId = deps.eventId();
    return list && eventId !== null && list.eventId === eventId ? list.items : null;
  };

  function publish(eventId: string, items: EventFile[]): void {
    list = { eventId, items };
    for (const listener of listeners) listener(items);
  }

  async function save(eventId: string, items: EventFile[]): Promise<void> {
    if (!deps.file) return;
    await writeJsonAtomic(deps.file, {
      version: 1,
      event_id: eventId,
      fetched_at: new Date(now()).toISOString(),
      items,
    }).catch((err: unknown) =>
      deps.logger.warn(
        { code: (err as NodeJS.ErrnoException).code },
        'the event file list could not be kept for an offline start',
      ),
    );
  }

  async function fetchNow(eventId: string): Promise<readonly EventFile[] | null> {
    lastAttemptAt = now();
    fetches += 1;
    try {
      const items = capItems(await deps.fetch(eventId), deps.logger);
      // The device may have moved to another event while the request ran.
      if (deps.eventId() !== eventId) return current();
      publish(eventId, items);
      await save(eventId, items);
    } catch (err) {
      deps.logger.warn({ err }, 'the event file list could not be fetched; keeping the last one');
    }
    return current();
  }

  return {
    current,
    get fetches() {
      return fetches;
    },
    refresh({ force = false } = {}) {
      if (inFlight) return inFlight;
      const eventId = deps.eventId();
      if (eventId === null) return Promise.resolve(null);
      if (!force && now() - lastAttemptAt < minRefreshMs) return Promise.resolve(current());
      inFlight = fetchNow(eventId).finally(() => (inFlight = null));
      return inFlight;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async load() {
      if (!deps.file) return;
      try {
        const stat = await fs.lstat(deps.file);
        if (!stat.isFile() || stat.size > MAX_SAVED_BYTES) throw new Error('not a regular file of a sensible size');
        const parsed = SavedList.safeParse(JSON.parse(await fs.readFile(deps.file, 'utf8')));
        if (!parsed.success) throw new Error('not a saved event file list');
        if (list === null) publish(parsed.data.event_id, capItems(parsed.data.items, deps.logger));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        deps.logger.warn(
          { file: deps.file, reason: (err as Error).message.slice(0, 120) },
          'the kept event file list is not usable; waiting for the API',
        );
      }
    },
  };
}
