import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import { isShareNoise } from './share-names';
import { ShareReadError, type ShareReadProblem } from './share-read';
import { serialRerun } from '../base/serial-rerun';

const TRAILING_SCAN_MS = 1_100;

/**
 * One entry as the last scan saw it (lstat: links are not followed); a change of any field means it
 * changed. Consumers read only `type: 'file'` entries, and through readShareFileSafely; the others
 * are listed so a consumer can say why a name it waits for is refused (a symlinked version.json).
 */
export interface ShareEntry {
  name: string;
  path: string;
  type: 'file' | 'symlink' | 'other';
  size: number;
  mtimeMs: number;
  ino: number;
}

export type ShareSnapshot = ReadonlyMap<string, ShareEntry>;

/**
 * Where the watcher is. `waiting-for-folder` watches the nearest existing ancestor for the folder
 * to appear (a share not synced yet, or removed and coming back); neither is an error.
 */
export type ShareWatcherState =
  | { kind: 'starting' }
  | { kind: 'watching' }
  | { kind: 'waiting-for-folder'; watchingAncestor: string }
  /** The last scan failed (a folder that cannot be listed, a symlink loop); the next event or re-scan tries again. */
  | { kind: 'scan-failed'; problem: ShareReadProblem; description: string }
  | { kind: 'closed' };

export interface ShareWatcherOptions {
  /** The folder to watch, e.g. `<share>/seeds`. It may not exist. */
  dir: string;
  /** Which plain names matter; Syncthing temp files, conflict copies and dotfiles never reach it. */
  accept?: (name: string) => boolean;
  /**
   * Called with the accepted files after a settled scan that differs from the last one, follows an
   * event for an accepted file, ends a burst of events, or was forced (and once after start).
   * Consumers must be idempotent.
   */
  onSnapshot: (snapshot: ShareSnapshot) => void;
  logger: Logger;
  /** Quiet time after the last event before scanning: Syncthing replaces a file by unlink + rename. */
  debounceMs?: number;
  /** Upper bound on how long a stream of events can postpone a scan. */
  maxWaitMs?: number;
  /** The slow re-scan that backs the watcher up when events are missed (sleep, network mounts). */
  rescanMs?: number;
  /** Poll instead of inotify/FSEvents: only for network mounts, where kernel events do not arrive. */
  poll?: boolean;
}

export interface ShareWatcher {
  readonly state: ShareWatcherState;
  start(): Promise<void>;
  /** Scans now; with `force` the snapshot is delivered even when nothing changed ("Check for Updates…"). */
  rescan(options?: { force?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/**
 * A directory watcher for a Syncthing share. Chokidar events only say "look again"; the truth is
 * always a fresh `readdir` + `stat`, so a missed, duplicated or reordered event changes nothing.
 * Directories are watched, never single files: on Linux a watch on a file dies when the file is
 * replaced by rename.
 */
export function createShareWatcher(options: ShareWatcherOptions): ShareWatcher {
  const { dir, onSnapshot, logger } = options;
  const accept = options.accept ?? (() => true);
  const debounceMs = options.debounceMs ?? 300;
  const maxWaitMs = options.maxWaitMs ?? 2_000;
  const rescanMs = options.rescanMs ?? 60_000;
  const log = logger.child({ module: 'share-watcher', dir });

  let state: ShareWatcherState = { kind: 'starting' };
  let fsWatcher: FSWatcher | null = null;
  let debounceTimer: NodeJS.Timeout | null = null;
  let firstPendingAt: number | null = null;
  let rescanTimer: NodeJS.Timeout | null = null;
  let last: Map<string, ShareEntry> | null = null;
  let forceNext = false;
  let touched = false;
  let lastScanError: string | null = null;
  let trailingTimer: NodeJS.Timeout | null = null;

  /**
   * Chokidar options, chosen deliberately:
   * - `ignoreInitial: true`: the initial state comes from our own readdir, the same code path as every
   *   re-scan, so there is one source of truth and no burst of `add` events at start.
   * - `depth: 0` and a directory, never a file: a watch on a replaced file dies on Linux.
   * - `usePolling: false` on local disks (inotify/FSEvents cost nothing while idle); `poll` is only for
   *   network mounts, at a slow 5 s interval.
   * - `awaitWriteFinish: false`: it polls stat every 100 ms per changing file. Completeness is decided
   *   by the consumers instead (size + SHA-256 for builds, a validating parse for seeds), after a
   *   debounce that absorbs Syncthing's unlink-then-rename.
   * - `ignored`: Syncthing temp files never wake us up, however long they are written to.
   */
  const watchOptions = (ignored: (p: string, stats?: Stats) => boolean) => ({
    persistent: true,
    ignoreInitial: true,
    depth: 0,
    ignored,
    usePolling: options.poll ?? false,
    interval: 5_000,
    awaitWriteFinish: false,
  });

  /**
   * Chokidar drops a second `change` of one path within 50 ms (longer on a loaded machine: the window
   * ends by a timer), drops raw events within 5 ms, holds unlinks for 100 ms and throttles directory
   * reads to one a second, so a quick second write (a release's version.json right after its build,
   * or a corrected one) can send no event at all. One trailing scan after the throttle windows
   * catches it, and it is delivered even when stat looks unchanged: a rewrite in place can keep
   * inode, size and mtime, and a swallowed event is exactly when nothing else would tell.
   */
  function scheduleTrailing(): void {
    if (state.kind === 'closed') return;
    if (trailingTimer) clearTimeout(trailingTimer);
    trailingTimer = setTimeout(() => {
      trailingTimer = null;
      void rescan({ force: true });
    }, TRAILING_SCAN_MS);
    trailingTimer.unref();
  }

  function schedule(): void {
    if (state.kind === 'closed') return;
    scheduleTrailing();
    const now = Date.now();
    firstPendingAt ??= now;
    if (debounceTimer) clearTimeout(debounceTimer);
    const wait = Math.max(0, Math.min(debounceMs, firstPendingAt + maxWaitMs - now));
    debounceTimer = setTimeout(() => {
      debounceTimer = null;
      firstPendingAt = null;
      void rescan();
    }, wait);
  }

  function onEvent(event: string, changed: string): void {
    if (path.resolve(changed) === path.resolve(dir)) {
      schedule();
      return;
    }
    if (path.dirname(path.resolve(changed)) !== path.resolve(dir)) return;
    if (event === 'addDir' || event === 'unlinkDir') return;
    const name = path.basename(changed);
    if (isShareNoise(name) || !accept(name)) return;
    touched = true;
    schedule();
  }

  async function watchFolder(): Promise<void> {
    await replaceWatcher(
      dir,
      (p) => p !== path.resolve(dir) && path.dirname(p) === path.resolve(dir) && isShareNoise(path.basename(p)),
      { kind: 'watching' },
      (event, p) => onEvent(event, p),
    );
  }

  async function waitForFolder(): Promise<string> {
    const ancestor = await nearestExistingAncestor(dir);
    if (state.kind === 'waiting-for-folder' && state.watchingAncestor === ancestor) return ancestor;
    const target = path.resolve(dir);
    // Only the next path component towards `dir` matters; everything else in (say) $HOME is ignored.
    const next = path.join(ancestor, path.relative(ancestor, target).split(path.sep)[0] ?? '');
    await replaceWatcher(
      ancestor,
      (p) => p !== ancestor && p !== next,
      { kind: 'waiting-for-folder', watchingAncestor: ancestor },
      () => schedule(),
    );
    log.info({ ancestor }, 'share folder does not exist yet; waiting for it to appear');
    return ancestor;
  }

  async function replaceWatcher(
    root: string,
    ignored: (p: string) => boolean,
    next: ShareWatcherState,
    handler: (event: string, p: string) => void,
  ): Promise<void> {
    const previous = fsWatcher;
    fsWatcher = null;
    await previous?.close();
    if (state.kind === 'closed') return;
    const watcher = chokidar.watch(
      root,
      watchOptions((p) => ignored(path.resolve(p))),
    );
    watcher.on('all', handler);
    watcher.on('error', (err) => {
      log.warn({ err }, 'file watcher reported an error; re-scanning');
      schedule();
    });
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    if ((state as ShareWatcherState).kind === 'closed') {
      await watcher.close();
      return;
    }
    fsWatcher = watcher;
    state = next;
  }

  async function scanOnce(requested: boolean): Promise<void> {
    // A file replaced within one timestamp tick can reuse the freed inode with the same size and
    // mtime: its stat looks unchanged, so an event for it is enough to deliver the scan.
    const force = requested || touched;
    touched = false;
    let entries = await readEntries(dir, accept, log);
    if (state.kind === 'closed') return;
    if (entries === null) {
      const ancestor = await waitForFolder();
      // A level created while the ancestor watch was being set up sent no event: look once more.
      if ((await nearestExistingAncestor(dir)) !== ancestor || (await readEntries(dir, accept, log)) !== null)
        scans.again();
      deliver(new Map(), force);
      return;
    }
    if (state.kind !== 'watching') {
      await watchFolder();
      // Files created while the watcher was being replaced are only visible to a new scan.
      entries = await readEntries(dir, accept, log);
      if (entries === null) scans.again();
    }
    deliver(entries ?? new Map(), force);
  }

  function deliver(entries: Map<string, ShareEntry>, force: boolean): void {
    if (state.kind === 'closed') return;
    if (!force && last && sameSnapshot(last, entries)) return;
    last = entries;
    onSnapshot(entries);
  }

  const scans = serialRerun(
    async () => {
      const force = forceNext;
      forceNext = false;
      try {
        await scanOnce(force);
        lastScanError = null;
      } catch (err) {
        // A share that stays unreadable (permissions, a dead mount) is logged once, not every minute.
        const failure = scanFailure(err);
        if (failure.description !== lastScanError)
          log.warn(
            { problem: failure.problem, errno: (err as NodeJS.ErrnoException | null)?.code },
            `share scan failed; the next event or re-scan tries again: ${failure.description}`,
          );
        lastScanError = failure.description;
        if ((state as ShareWatcherState).kind !== 'closed') state = { kind: 'scan-failed', ...failure };
      }
    },
    () => state.kind !== 'closed',
  );

  function rescan(opts: { force?: boolean } = {}): Promise<void> {
    if (opts.force) forceNext = true;
    return scans.run();
  }

  return {
    get state() {
      return state;
    },
    async start() {
      await rescan();
      if (state.kind === 'closed') return;
      rescanTimer = setInterval(() => void rescan(), rescanMs);
      rescanTimer.unref();
    },
    rescan,
    async close() {
      state = { kind: 'closed' };
      if (debounceTimer) clearTimeout(debounceTimer);
      if (trailingTimer) clearTimeout(trailingTimer);
      if (rescanTimer) clearInterval(rescanTimer);
      debounceTimer = null;
      trailingTimer = null;
      rescanTimer = null;
      const watcher = fsWatcher;
      fsWatcher = null;
      await watcher?.close();
      await scans.current;
    },
  };
}

/**
 * A watched share folder holds a handful of files (a release and its version.json, one seed per
 * laptop). A peer filling it with millions of names must not cost a stat each on every event, nor
 * the memory of the whole listing: past this many entries the scan stops and fails with a state.
 */
export const SHARE_DIR_MAX_ENTRIES = 10_000;

/** The accepted entries of `dir`, or `null` when `dir` is not a folder (yet). */
async function readEntries(
  dir: string,
  accept: (name: string) => boolean,
  log: Logger,
): Promise<Map<string, ShareEntry> | null> {
  const names: string[] = [];
  let seen = 0;
  try {
    // opendir, not readdir: the listing is read in batches and stops at the cap.
    const handle = await fs.opendir(dir, { bufferSize: 128 });
    for await (const entry of handle) {
      seen += 1;
      if (seen > SHARE_DIR_MAX_ENTRIES) {
        // Leaving the loop by a throw closes the directory handle.
        throw new ShareReadError(
          'too-large',
          `the share folder ${path.basename(dir)} holds more than ${SHARE_DIR_MAX_ENTRIES} entries; it is not scanned`,
        );
      }
      if (!isShareNoise(entry.name) && accept(entry.name)) names.push(entry.name);
    }
  } catch (err) {
    if (err instanceof ShareReadError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
  const entries = new Map<string, ShareEntry>();
  for (const name of names.sort()) {
    if (isShareNoise(name) || !accept(name)) continue;
    const full = path.join(dir, name);
    try {
      // lstat: a symlink is listed as one, never as what it points to (a peer can point it anywhere).
      const st = await fs.lstat(full);
      const type = st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other';
      entries.set(name, { name, path: full, type, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
    } catch (err) {
      // Deleted between readdir and stat: the next scan sees the outcome.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn({ err, name }, 'cannot stat a share file');
    }
  }
  return entries;
}

/** A scan failure as a typed problem with a description that names no file content. */
function scanFailure(err: unknown): { problem: ShareReadProblem; description: string } {
  if (err instanceof ShareReadError) return { problem: err.problem, description: err.description };
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return { problem: 'unreadable', description: 'the share folder cannot be listed (permission denied)' };
    case 'ELOOP':
      return { problem: 'symlink', description: 'the share folder is reached through a symbolic link loop' };
    default:
      return {
        problem: 'io-error',
        description: `the share folder cannot be listed (${typeof code === 'string' ? code : 'unexpected error'})`,
      };
  }
}

async function nearestExistingAncestor(dir: string): Promise<string> {
  let current = path.dirname(path.resolve(dir));
  for (;;) {
    try {
      if ((await fs.stat(current)).isDirectory()) return current;
    } catch {
      // Missing: try its parent.
    }
    const parent = path.dirname(current);
    if (parent === current) return current;
    current = parent;
  }
}

function sameSnapshot(a: ReadonlyMap<string, ShareEntry>, b: ReadonlyMap<string, ShareEntry>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, x] of a) {
    const y = b.get(name);
    if (!y || y.type !== x.type || y.size !== x.size || y.mtimeMs !== x.mtimeMs || y.ino !== x.ino) return false;
  }
  return true;
}
