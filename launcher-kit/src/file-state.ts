import type { CacheFileStatus } from './bridge-types.js';

/** What the page shows for one file, the same shape in every mode. */
export interface FileState {
  phase: 'available' | 'queued' | 'downloading' | 'ready' | 'opening' | 'saving' | 'saved' | 'failed';
  /** 0..1, or null when the size is not known. */
  progress: number | null;
  bytes: number;
  /** A click is waiting for the download to be verified, then opens the file. */
  opensWhenReady: boolean;
  /** The name the last action produced: the opened copy's or the saved download's. */
  result: string | null;
  message: string | null;
}

export const AVAILABLE: FileState = {
  phase: 'available',
  progress: null,
  bytes: 0,
  opensWhenReady: false,
  result: null,
  message: null,
};

/** The app's cache status as the page's state, keeping what the page itself knows (a pending open, the last result). */
export function fromCacheStatus(status: CacheFileStatus, previous: FileState | undefined, size: number): FileState {
  const keep = { opensWhenReady: previous?.opensWhenReady ?? false, result: previous?.result ?? null };
  switch (status.state) {
    case 'present':
      return {
        ...keep,
        phase: previous?.phase === 'opening' ? 'opening' : 'ready',
        progress: 1,
        bytes: status.size,
        message: null,
      };
    case 'missing':
    case 'queued':
      return { ...keep, phase: 'queued', progress: 0, bytes: 0, message: null };
    case 'downloading': {
      const total = status.size ?? size;
      return {
        ...keep,
        phase: 'downloading',
        progress: total > 0 ? Math.min(1, status.bytes / total) : null,
        bytes: status.bytes,
        message: status.lastError ? `retrying: ${status.lastError.message}` : null,
      };
    }
    case 'failed':
      return { ...keep, phase: 'failed', progress: null, bytes: 0, opensWhenReady: false, message: status.message };
    default: {
      const never: never = status;
      return never;
    }
  }
}

export interface TotalProgress {
  files: number;
  /** Files ready to open (Native) or saved (plain browsers). */
  ready: number;
  bytes: number;
  bytesReady: number;
  /** 0..1 of the bytes. */
  fraction: number;
}

export function totalProgress(
  files: readonly { sha256: string; size: number }[],
  states: Readonly<Record<string, FileState>>,
): TotalProgress {
  let ready = 0;
  let bytes = 0;
  let bytesReady = 0;
  for (const file of files) {
    const state = states[file.sha256];
    bytes += file.size;
    if (!state) continue;
    if (state.phase === 'ready' || state.phase === 'opening' || state.phase === 'saved') {
      ready += 1;
      bytesReady += file.size;
    } else if (state.phase === 'downloading' || state.phase === 'saving')
      bytesReady += Math.min(file.size, state.bytes);
  }
  return {
    files: files.length,
    ready,
    bytes,
    bytesReady,
    fraction: bytes > 0 ? bytesReady / bytes : files.length > 0 && ready === files.length ? 1 : 0,
  };
}

/**
 * A click on a file the cache does not have yet: `launch.open` is called at once (the app fetches that
 * file before everything queued and answers once it is verified); meanwhile the row keeps following
 * the cache's progress and says it opens when ready.
 */
export function waitingToOpen(state: FileState): FileState {
  return { ...state, opensWhenReady: true, message: null };
}

/** `launch.open` answered: the file is on screen under `openedAs`. */
export function opened(state: FileState, openedAs: string): FileState {
  return { ...state, phase: 'ready', progress: 1, opensWhenReady: false, result: openedAs, message: null };
}

/**
 * `launch.open` failed with the bridge's code (null: not a bridge error). A file still downloading keeps
 * its phase (the cache goes on); the message says what happened and what a click does now.
 */
export function openFailed(
  state: FileState,
  failure: { code: string | null; message: string; waitedMs: number },
): FileState {
  const phase = state.phase === 'opening' ? 'ready' : state.phase;
  return { ...state, phase, opensWhenReady: false, message: openFailureMessage(failure) };
}

export function openFailureMessage({
  code,
  message,
  waitedMs,
}: {
  code: string | null;
  message: string;
  waitedMs: number;
}): string {
  switch (code) {
    case 'TIMEOUT':
      return `still downloading after ${waitedFor(waitedMs)}; click to try again`;
    case 'CLIENT_CLOSED_REQUEST':
      return 'the app stopped waiting for this file; click to try again';
    case 'NOT_FOUND':
      return 'not in this laptop’s cache yet';
    case 'TOO_MANY_REQUESTS':
      return 'too many opens at once; click again in a moment';
    default:
      return `could not open: ${message}`;
  }
}

function waitedFor(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes >= 1 ? `${minutes} min` : `${Math.max(1, Math.round(ms / 1000))} s`;
}
