import {
  MAX_SESSIONS_REPORTED,
  type EnsureInput,
  type FileStatus,
  type GcReport,
  type SessionReadiness,
  type StatusReport,
  type VerifyReport,
} from '../contracts/cache';
import type { ProgressListener } from './progress';
import type { Cache, CacheService } from './service';
import { addToTotals, emptyTotals } from './status';

/**
 * The cache as the launcher page may use it (issue 10). The page is remote content, so:
 * - the list the cache syncs and gc keeps is the event's list as the API gave it to the main process
 *   (`eventFiles`), never the page's: `ensure` only nudges the loop and retries listed files, and its
 *   sizes and names are ignored (the list has them), so a wrong size cannot poison a real file;
 * - a hash the list does not have is answered `failed` / `not-listed` and never queued, so random
 *   hashes cost no download request and cannot displace the real list;
 * - gc keeps the API's list and every file with a launch copy, whatever `keep` says, and refuses to
 *   run while the list is unknown.
 * The Cache object itself stays the trusted, in-process API (CLI, composition root, tests).
 * Each answer also carries readiness per session (from the core's one tracker) and the cache volume's
 * free space (read at most once per few seconds however often the page asks).
 */
export interface PageCacheDeps {
  cache: Pick<Cache, 'status' | 'subscribe' | 'verify' | 'gc' | 'scheduler' | 'loop' | 'disk'>;
  /** Readiness per session of the event's list, from the one tracker the status file uses too (core/room.ts). */
  sessions: () => readonly SessionReadiness[];
  /** The device's current event file list from the API, or null when it was never received. */
  eventFiles: () => readonly { sha256: string }[] | null;
  /** Asked when the page names files the list lacks (the API may have added them); rate-limited by its owner. */
  refreshEventFiles?: () => Promise<unknown>;
  /** Hashes with a launch copy (what may be open now). */
  openHashes?: () => readonly string[];
}

/** gc while the list is unknown would not know what to keep. */
export class GcRefusedError extends Error {
  override name = 'GcRefusedError';
}

const NOT_LISTED_MESSAGE = "This file is not in the event's file list from the API, so the cache does not fetch it.";

export function pageFacingCache(deps: PageCacheDeps): CacheService {
  // The list changes when the API sends a new one (a new array); the set is rebuilt only then, not
  // on every status call (10,000 inserts per call otherwise).
  let memo: { files: readonly { sha256: string }[]; set: Set<string> } | null = null;
  const listed = (): Set<string> | null => {
    const files = deps.eventFiles();
    if (!files) return null;
    if (memo?.files !== files) memo = { files, set: new Set(files.map((f) => f.sha256)) };
    return memo.set;
  };

  async function report(hashes: readonly string[], list: Set<string> | null): Promise<StatusReport> {
    const base = deps.cache.status(hashes);
    const totals = emptyTotals();
    const files = base.files.map((status): FileStatus => {
      const refused = list !== null && !list.has(status.sha256) && status.state !== 'present';
      const shown: FileStatus = refused
        ? {
            sha256: status.sha256,
            state: 'failed',
            bytes: 0,
            size: null,
            reason: 'not-listed',
            message: NOT_LISTED_MESSAGE,
            permanent: false,
          }
        : status;
      addToTotals(totals, shown);
      return shown;
    });
    return { files, totals, sessions: deps.sessions().slice(0, MAX_SESSIONS_REPORTED), disk: await deps.cache.disk() };
  }

  return {
    status: (hashes) => report(hashes, listed()),
    ensure({ files, retryFailed = false }: EnsureInput): Promise<StatusReport> {
      const list = listed();
      let unlisted = false;
      for (const { sha256 } of files) {
        if (list?.has(sha256)) {
          if (retryFailed) deps.cache.scheduler.clearFailure(sha256);
        } else unlisted = true;
      }
      if (unlisted || list === null) void deps.refreshEventFiles?.().catch(() => undefined);
      deps.cache.loop.tick();
      return report(
        files.map((f) => f.sha256),
        list,
      );
    },
    subscribe: (listener: ProgressListener) => deps.cache.subscribe(listener),
    verify: (hashes?: readonly string[]): Promise<VerifyReport> => deps.cache.verify(hashes),
    async gc(keep: readonly string[]): Promise<GcReport> {
      const files = deps.eventFiles();
      if (files === null)
        throw new GcRefusedError(
          "gc is refused until the event's file list has been received from the API: without it, gc would not know which files to keep.",
        );
      return deps.cache.gc([...keep, ...files.map((f) => f.sha256), ...(deps.openHashes?.() ?? [])]);
    },
  };
}
