import path from 'node:path';
import type { Logger } from '../base/logger';
import type { Cache } from '../cache/service';
import type { CacheFile } from '../contracts/cache';
import { prioritiseBySession } from '../cache/session-priority';
import type { EventFile } from '../contracts/api';
import { createEventFileList, EVENT_FILES_FILE, type EventFileList } from '../provisioning/event-file-list';
import { identifiedOf, type IdentityStream, type IdentityView } from './identity';

export interface EventFilesDeps {
  identity: IdentityStream;
  /** The API's file list of an event (bootstrap's client, with the device's credentials). */
  listEventFiles: (eventId: string) => Promise<EventFile[]>;
  /** The last good list is kept here (`event-files.json`), so an offline start still knows its files. */
  stateDir: string;
  cache: Pick<Cache, 'ensure'>;
  logger: Logger;
}

export interface EventFiles {
  /** The authority for what the page may open and what the cache keeps (issue 10). */
  list: EventFileList;
  /** Fetches the list now (also done on every identity and every period). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The cache's list in sync order (the running session's files, the next session's, then the rest:
 * cache/session-priority.ts). Two event files with the same bytes are one cache entry, at the higher
 * of their priorities.
 */
export function cacheFilesOf(files: readonly EventFile[], now: Date = new Date()): CacheFile[] {
  const unique = new Map<string, CacheFile>();
  for (const { file: f, priority } of prioritiseBySession(files, now))
    if (!unique.has(f.sha256)) unique.set(f.sha256, { sha256: f.sha256, size: f.size, filename: f.filename, priority });
  return [...unique.values()];
}

/**
 * The device's event file list, fetched by the core itself with the device's credentials (the app
 * and the headless agent alike): on each new identity and every `check_event_loop_period`, kept in
 * the state folder for an offline start, and handed whole to the cache as the list it syncs and gc
 * keeps. The page's own `cache.ensure` never replaces it (cache/page-cache.ts).
 */
export function followEventFiles({ identity, listEventFiles, stateDir, cache, logger }: EventFilesDeps): EventFiles {
  const log = logger.child({ module: 'event-files' });
  const list = createEventFileList({
    eventId: () => identifiedOf(identity.current())?.device.event_id ?? null,
    fetch: listEventFiles,
    file: path.join(stateDir, EVENT_FILES_FILE),
    logger: log,
  });
  // Only the list of the device's current event: a kept list of another event is never synced.
  const push = () => {
    const files = list.current();
    if (files) cache.ensure({ files: cacheFilesOf(files) });
  };
  const stopPushing = list.subscribe(push);
  let timer: NodeJS.Timeout | null = null;
  let periodMs = 0;
  let closed = false;
  const refresh = async () => {
    if (!closed) await list.refresh({ force: true });
  };

  function follow(view: IdentityView): void {
    if (view.kind !== 'identified' || closed) return;
    push();
    const next = view.device.check_event_loop_period * 1000;
    if (next !== periodMs) {
      periodMs = next;
      if (timer) clearInterval(timer);
      timer = setInterval(() => void refresh(), periodMs);
      timer.unref();
    }
    if (view.online) void refresh();
  }

  const loaded = list.load().then(() => follow(identity.current()));
  const unsubscribe = identity.subscribe(follow);
  return {
    list,
    refresh,
    async close() {
      closed = true;
      unsubscribe();
      stopPushing();
      if (timer) clearInterval(timer);
      await loaded;
    },
  };
}
