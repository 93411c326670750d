import type { Logger } from 'pino';
import type { Platform } from '../base/platform';
import type { EventFile } from '../contracts/api';
import { type AutomationAction, type AutomationResult, runAutomation } from './automation';
import { shortHash } from './filename';
import { type CacheLookup, createLaunchHandover, LaunchError, type LaunchResult, type Opener } from './launch-handover';
import type { LaunchFolderLimits } from './launch-folder';
import { openTypePolicy } from './open-types';
import type { CommandRunner } from '../base/command-runner';
import { type CloseResult, closePresentationApp, type PresentationApp } from './presentation-apps';

/**
 * What the page may say when it asks to open a file: which file, by hash and/or event_file_id. The
 * name of the copy comes from the event's file list as the main process fetched it from the API, never
 * from the page (issue 10): a page-sent `filename` only picks among the names the list gives that
 * hash (the same deck uploaded twice), and is otherwise ignored.
 */
export interface PageLaunchRequest {
  sha256?: string | undefined;
  event_file_id?: string | undefined;
  filename?: string | undefined;
}

export type ListedFile = Pick<EventFile, 'event_file_id' | 'sha256' | 'filename'> &
  Partial<Pick<EventFile, 'updated_at' | 'size'>>;

/** The longest `open` waits for a listed file still downloading before it gives up (OpenWaitTimeoutError). */
export const DEFAULT_OPEN_WAIT_MS = 10 * 60_000;

/** How one `open` may be bounded and cancelled by its caller. */
export interface OpenOptions {
  /** Aborted when whoever asked went away (the page navigated, the window closed): the wait ends. */
  signal?: AbortSignal;
}

export interface LaunchServiceDeps {
  platform: Platform;
  cache: CacheLookup;
  tempRoot: () => string;
  opener: Opener;
  /** execFileRunner() in the app; every platform's table is exercised on Linux through it. */
  run: CommandRunner;
  /** The device's current event file list as the API gave it, or null before it was ever fetched. */
  eventFiles: () => readonly ListedFile[] | null;
  /** Asks for a fresh list when the page names a file the list does not have (the API may have added it); rate-limited by the list's owner. */
  refreshEventFiles?: () => Promise<unknown>;
  /** The device record's `launch_extra_types`, read at each launch. */
  extraTypes?: () => unknown;
  limits?: LaunchFolderLimits;
  now?: () => number;
  logger?: Logger;
  /** Told after each file handed to its app (room telemetry, proof of presentation). */
  onOpened?: (file: ListedFile) => void;
  /** Longest wait for a listed file that is still downloading (DEFAULT_OPEN_WAIT_MS). */
  openWaitMs?: number;
}

/** The file is not in the event's list: the page may not open it. */
export class NotListedError extends LaunchError {
  override name = 'NotListedError';
}

/** The list has never been fetched (first start, API unreachable): nothing can be opened yet. */
export class FileListUnknownError extends LaunchError {
  override name = 'FileListUnknownError';
  constructor() {
    super(
      "The event's file list has not been received from the API yet; files can be opened once it has (check the network).",
    );
  }
}

/** A listed file was still downloading when the wait for it ran out; the download goes on in the background. */
export class OpenWaitTimeoutError extends LaunchError {
  override name = 'OpenWaitTimeoutError';
  constructor(
    readonly sha256: string,
    readonly waitedMs: number,
  ) {
    super(
      `File ${shortHash(sha256)}… was still downloading after ${Math.round(waitedMs / 1000)} s; it keeps downloading in the background, open it again once it is ready.`,
    );
  }
}

/** The caller went away while the file was downloading; the download goes on at its usual place. */
export class OpenCancelledError extends LaunchError {
  override name = 'OpenCancelledError';
  constructor(readonly sha256: string) {
    super(
      `Opening file ${shortHash(sha256)}… was cancelled while it was downloading; it keeps downloading in the background.`,
    );
  }
}

/** The file could not be downloaded (not on the server, no network, disk full): why, as the cache said it. */
export class OpenDownloadFailedError extends LaunchError {
  override name = 'OpenDownloadFailedError';
  constructor(
    readonly sha256: string,
    reason: string,
    options?: { cause: unknown },
  ) {
    super(`File ${shortHash(sha256)}… could not be downloaded for opening: ${reason}`, options);
  }
}

/** The `launch` group's service contract (router/launch.ts serves it); declared here, next to its one implementation. */
export interface LaunchService {
  /** Waits (bounded, cancellable) for a listed file that is still downloading, then opens it. */
  open(request: PageLaunchRequest, options?: OpenOptions): Promise<LaunchResult>;
  closePresentations(app: PresentationApp): Promise<CloseResult>;
  automation(action: AutomationAction): Promise<AutomationResult>;
  /** Hashes with a launch copy (what may be open now): gc keeps them. */
  openHashes(): string[];
}

function newestFirst(a: ListedFile, b: ListedFile): number {
  return (b.updated_at ?? '').localeCompare(a.updated_at ?? '');
}

/** The `launch` group's service (router/launch.ts), assembled from the kiosk parts. */
export function createLaunchService(deps: LaunchServiceDeps): LaunchService {
  const handover = createLaunchHandover({
    cache: deps.cache,
    tempRoot: deps.tempRoot,
    opener: deps.opener,
    openTypes: () => {
      const policy = openTypePolicy(deps.extraTypes?.() ?? []);
      if (policy.refusedExtras.length > 0)
        deps.logger?.warn({ refused: policy.refusedExtras }, 'launch_extra_types: entries ignored');
      return policy;
    },
    ...(deps.limits ? { limits: deps.limits } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
  });
  const closing = new Map<PresentationApp, Promise<CloseResult>>();

  function candidates(request: PageLaunchRequest): ListedFile[] | null {
    const list = deps.eventFiles();
    if (!list) return null;
    return list.filter(
      (f) =>
        (request.sha256 === undefined || f.sha256 === request.sha256) &&
        (request.event_file_id === undefined || f.event_file_id === request.event_file_id),
    );
  }

  async function resolve(request: PageLaunchRequest): Promise<ListedFile> {
    let found = candidates(request);
    if (!found || found.length === 0) {
      await deps
        .refreshEventFiles?.()
        .catch((err: unknown) => deps.logger?.info({ err }, 'launch: the event file list could not be refreshed'));
      found = candidates(request);
    }
    if (!found) throw new FileListUnknownError();
    if (found.length === 0) {
      const what =
        request.event_file_id !== undefined
          ? `event file "${request.event_file_id.slice(0, 80)}"`
          : `file ${shortHash(request.sha256 ?? '')}…`;
      deps.logger?.warn(
        { sha256: request.sha256 && shortHash(request.sha256), event_file_id: request.event_file_id?.slice(0, 80) },
        'launch refused: not in the event file list',
      );
      throw new NotListedError(
        `Refused: ${what} is not in this event's file list from the API${request.sha256 !== undefined && request.event_file_id !== undefined ? ' with that hash' : ''}, so it is not opened.`,
      );
    }
    const sorted = [...found].sort(newestFirst);
    return sorted.find((f) => f.filename === request.filename) ?? sorted[0]!;
  }

  /**
   * Open when ready (issue 12): a listed file not yet cached is fetched ahead of everything else and
   * waited for, up to `openWaitMs` or until the caller's signal aborts; either way the cache lets it
   * fall back to its usual place in the sync, still downloading.
   */
  async function whenReady(file: ListedFile, signal: AbortSignal | undefined): Promise<void> {
    const fetchForOpen = deps.cache.fetchForOpen?.bind(deps.cache);
    if (!fetchForOpen || (await deps.cache.pathOf(file.sha256))) return;
    if (signal?.aborted) throw new OpenCancelledError(file.sha256);
    const waitMs = deps.openWaitMs ?? DEFAULT_OPEN_WAIT_MS;
    const wait = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      wait.abort();
    }, waitMs);
    const onCallerGone = () => wait.abort();
    signal?.addEventListener('abort', onCallerGone, { once: true });
    deps.logger?.info({ sha256: shortHash(file.sha256) }, 'launch: waiting for the file to download');
    try {
      await fetchForOpen(
        { sha256: file.sha256, filename: file.filename, ...(file.size !== undefined ? { size: file.size } : {}) },
        wait.signal,
      );
    } catch (err) {
      if (timedOut) throw new OpenWaitTimeoutError(file.sha256, waitMs);
      if (signal?.aborted) throw new OpenCancelledError(file.sha256);
      throw new OpenDownloadFailedError(file.sha256, (err as Error).message, { cause: err });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCallerGone);
    }
  }

  return {
    async open(request, options = {}) {
      const file = await resolve(request);
      await whenReady(file, options.signal);
      const result = await handover.open({ sha256: file.sha256, filename: file.filename });
      deps.onOpened?.(file);
      return result;
    },
    /** Concurrent calls for one app share one run of its command: ten clicks kill once. */
    closePresentations(app) {
      const running = closing.get(app);
      if (running) return running;
      const work = closePresentationApp(deps, app).finally(() => closing.delete(app));
      closing.set(app, work);
      return work;
    },
    automation: (action) => runAutomation(deps, action),
    openHashes: () => handover.copiedHashes(),
  };
}
