import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { SHA256_PATTERN } from '../contracts/api';
import { deviceFolder } from '../contracts/device-folders';
import { sanitizeFilename, shortHash } from './filename';
import {
  DEFAULT_LAUNCH_FOLDER_MAX_BYTES,
  DEFAULT_LAUNCH_FOLDER_MAX_COPIES,
  type LaunchFolderLimits,
  pruneLaunchFolder,
} from './launch-folder';
import { type LaunchFs, launchFs } from './launch-fs';
import { openTypePolicy, type OpenTypePolicy } from './open-types';

/**
 * Launch handover (DESIGN §7): a cached file is copied (cloned where the file system can) into
 * `<temp root>/<short hash>/<sanitised name>` and that copy, never the permanent cache file, is
 * handed to the OS. Presentation apps write lock files and autosaves next to what they open, and a
 * presenter may edit and save: none of that may touch the content-addressed store.
 *
 * Re-launching the same file: the copy is stamped with the cache file's mtime. If size and mtime
 * still match, the copy is what we made and is reused (it may be open in PowerPoint right now, so
 * rewriting it would only disturb the presenter). Anything else means it was edited or replaced,
 * and it is refreshed from the cache through a temp name and an atomic rename, so the opener never
 * sees a half-written file and a symlink planted at the final name is replaced, not followed.
 *
 * Only document and media types are ever copied or opened (kiosk/open-types.ts), checked on the name
 * as given and as sanitised. One hash has one copy: a new name for it replaces the old copy, so a
 * hundred names for one file never make a hundred copies. The folder is pruned after each launch,
 * once the opener has been called (nothing but the copy's own staging stands before it), least
 * recently opened first (kiosk/launch-folder.ts).
 */

/** What the handover needs from the cache (cache/service `Cache` fits): the path of a verified hash, or null. */
export interface CacheLookup {
  pathOf(sha256: string): string | null | Promise<string | null>;
  /**
   * Fetches one file ahead of everything else and resolves once it is verified; aborting `signal`
   * stops the wait and lets the file fall back to its place in the sync (cache `fetchForOpen`).
   * Without it, a file not yet cached is refused with NotInCacheError.
   */
  fetchForOpen?(file: { sha256: string; size?: number; filename?: string }, signal: AbortSignal): Promise<unknown>;
}

/** Opens a file with the OS; rejects with OpenFailedError (the Electron edge wraps `shell.openPath`). */
export type Opener = (filePath: string) => Promise<void>;

export interface LaunchRequest {
  sha256: string;
  filename: string;
}

export interface LaunchResult {
  /** The temp copy that was opened. */
  path: string;
  /** The sanitised name the copy carries. */
  filename: string;
  copy: 'created' | 'reused' | 'refreshed';
}

export interface LaunchHandoverDeps {
  cache: CacheLookup;
  /** Read at each launch: the device record (and its `host_file_temp_path`) can change while running. */
  tempRoot: () => string;
  opener: Opener;
  /** Read at each launch (the device record's `launch_extra_types` can change); the base allow-list when absent. */
  openTypes?: () => OpenTypePolicy;
  limits?: LaunchFolderLimits;
  /** The "last opened" stamp; Date.now unless a test drives it. */
  now?: () => number;
  logger?: Logger;
  /** The click path's file-system calls (kiosk/launch-fs.ts); a test passes a counting one. */
  fs?: LaunchFs;
}

/** Longest original name accepted before sanitising; anything longer is refused, not truncated. */
export const MAX_REQUESTED_FILENAME = 1024;

export class LaunchError extends Error {
  override name = 'LaunchError';
}

export class InvalidLaunchRequestError extends LaunchError {
  override name = 'InvalidLaunchRequestError';
}

/** The name's type is not a document or media type: never copied, never opened. */
export class ForbiddenTypeError extends LaunchError {
  override name = 'ForbiddenTypeError';
  constructor(
    readonly type: string | null,
    message: string,
  ) {
    super(message);
  }
}

export class NotInCacheError extends LaunchError {
  override name = 'NotInCacheError';
  constructor(readonly sha256: string) {
    super(`File ${shortHash(sha256)}… is not in the cache yet; wait for its download to finish, then open it again.`);
  }
}

export class OpenFailedError extends LaunchError {
  override name = 'OpenFailedError';
  constructor(
    readonly filePath: string,
    readonly reason: string,
  ) {
    super(`The operating system could not open "${path.basename(filePath)}": ${reason}`);
  }
}

export interface LaunchHandover {
  open(request: LaunchRequest): Promise<LaunchResult>;
  /** The copy step alone (no opener), for the benchmark and for pre-staging. */
  prepare(request: LaunchRequest): Promise<LaunchResult>;
  /** Hashes with a copy in the launch folder made by this process (what may be open right now). */
  copiedHashes(): string[];
}

interface StagePlan {
  sha256: string;
  source: string;
  sourceStat: Stats;
  dir: string;
  target: string;
  name: string;
}

export function createLaunchHandover(deps: LaunchHandoverDeps): LaunchHandover {
  const fs = deps.fs ?? launchFs;
  const inFlight = new Map<string, Promise<LaunchResult>>();
  /** short hash → full hash of every copy this process staged and has not pruned. */
  const copied = new Map<string, string>();
  /** Short-hash folders being staged or handed to the opener now, and by how many launches: never pruned. */
  const busy = new Map<string, number>();
  const limits = deps.limits ?? {
    maxBytes: DEFAULT_LAUNCH_FOLDER_MAX_BYTES,
    maxCopies: DEFAULT_LAUNCH_FOLDER_MAX_COPIES,
  };
  let pruning: Promise<unknown> = Promise.resolve();

  function hold(name: string): () => void {
    busy.set(name, (busy.get(name) ?? 0) + 1);
    return () => {
      const left = (busy.get(name) ?? 1) - 1;
      if (left > 0) busy.set(name, left);
      else busy.delete(name);
    };
  }

  function checkType(filename: string, sha256: string): string {
    const policy = deps.openTypes?.() ?? openTypePolicy();
    const name = sanitizeFilename(filename, sha256);
    // Both: the sanitiser may drop what hid a type, and the raw name is what a person was shown.
    for (const candidate of [filename, name]) {
      const decision = policy.check(candidate);
      if (!decision.allowed) {
        deps.logger?.warn({ type: decision.type, sha256: shortHash(sha256) }, 'launch refused: file type not allowed');
        throw new ForbiddenTypeError(decision.type, decision.reason);
      }
    }
    return name;
  }

  /**
   * Serialised, so two launches never prune at once; every folder being staged or handed over (and
   * `keep`, the one just opened: the newest, but alone it may exceed the byte cap) is protected.
   */
  function prune(root: string, keep: string): Promise<void> {
    const run = pruning.then(async () => {
      const protect = new Set([...busy.keys(), keep]);
      const report = await pruneLaunchFolder(root, protect, limits, deps.logger);
      for (const name of report.removed) copied.delete(name);
    });
    pruning = run.catch((err: unknown) => deps.logger?.warn({ err }, 'launch folder: pruning failed'));
    return pruning.then(() => undefined);
  }

  /**
   * Validates, looks up and stages the copy; `then` runs while its folder is still held (not
   * prunable): the opener, for `open`. Only then is the folder stamped "last opened", are older
   * names of the copy removed and is the launch folder pruned, so a re-open reaches the opener after
   * three reads (the cache file's stat, the folder's and the copy's lstat) and nothing that writes.
   */
  async function launch(request: LaunchRequest, then: (result: LaunchResult) => Promise<void>): Promise<LaunchResult> {
    const { sha256, filename } = validate(request);
    const name = checkType(filename, sha256);
    const source = await deps.cache.pathOf(sha256);
    if (!source) throw new NotInCacheError(sha256);
    const sourceStat = await fs.stat(source).catch(() => null);
    if (!sourceStat?.isFile()) throw new NotInCacheError(sha256);

    const root = path.resolve(deps.tempRoot());
    const folder = shortHash(sha256);
    const dir = path.join(root, folder);
    const target = path.join(dir, name);
    assertInside(root, target);

    // The moment of the click is what "last opened" records, whenever the stamp is written.
    const now = new Date((deps.now ?? Date.now)());
    const release = hold(folder);
    try {
      // Two clicks on the same file share one copy instead of racing two renames.
      let work = inFlight.get(target);
      if (!work) {
        work = stageCopy({ sha256, source, sourceStat, dir, target, name }).finally(() => inFlight.delete(target));
        inFlight.set(target, work);
      }
      const result = await work;
      copied.set(folder, sha256);
      try {
        await then(result);
      } finally {
        await afterOpen({ dir, name }, result, now);
        await prune(root, folder);
      }
      return result;
    } finally {
      release();
    }
  }

  async function stageCopy(s: StagePlan): Promise<LaunchResult> {
    // A short-hash folder replaced by a symlink (or anything but a folder) must not lead the copy
    // anywhere: the folder is a direct child of the root, so a real folder there keeps the copy in
    // the root whatever the root itself resolves to. One lstat, where two realpaths were before.
    let dirStat = await fs.lstat(s.dir).catch(() => null);
    if (!dirStat) {
      await fs.mkdir(s.dir);
      dirStat = await fs.lstat(s.dir).catch(() => null);
    }
    if (!dirStat?.isDirectory()) {
      throw new InvalidLaunchRequestError('Refused: the launch copy would land outside the launch folder.');
    }

    const existing = await fs.lstat(s.target).catch(() => null);
    if (
      existing?.isFile() &&
      existing.size === s.sourceStat.size &&
      isSameInstant(existing.mtimeMs, s.sourceStat.mtimeMs)
    ) {
      return { path: s.target, filename: s.name, copy: 'reused' };
    }

    const partial = path.join(s.dir, `.${randomBytes(6).toString('hex')}.partial`);
    try {
      await fs.copyFile(s.source, partial, constants.COPYFILE_FICLONE | constants.COPYFILE_EXCL);
      await fs.utimes(partial, new Date(), s.sourceStat.mtime);
      await fs.rename(partial, s.target);
    } catch (err) {
      await fs.rm(partial).catch(() => undefined);
      // gc (or verify's quarantine) took the entry between the lookup and the copy.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !(await fs.stat(s.source).catch(() => null)))
        throw new NotInCacheError(s.sha256);
      throw new LaunchError(
        `Could not prepare "${s.name}" for opening: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    const copy = existing ? 'refreshed' : 'created';
    deps.logger?.info({ target: s.target, copy }, 'launch copy staged');
    return { path: s.target, filename: s.name, copy };
  }

  /**
   * After the opener: a new copy's older names go, and the folder's mtime becomes "last opened",
   * which pruning orders by (the folder is held until the prune, so no prune sees it unstamped).
   */
  async function afterOpen(s: { dir: string; name: string }, result: LaunchResult, now: Date): Promise<void> {
    if (result.copy !== 'reused') await removeOtherNames(s);
    await fs
      .utimes(s.dir, now, now)
      .catch((err: unknown) =>
        deps.logger?.warn({ code: (err as NodeJS.ErrnoException).code }, 'launch folder: could not stamp a copy'),
      );
  }

  /** One copy per hash: copies of it under earlier names go (best effort: one may still be open). */
  async function removeOtherNames(s: { dir: string; name: string }): Promise<void> {
    const names = await fs.readdir(s.dir).catch(() => [] as string[]);
    for (const other of names) {
      if (other === s.name || other.endsWith('.partial')) continue;
      await fs
        .rm(path.join(s.dir, other))
        .catch((err: unknown) =>
          deps.logger?.info(
            { code: (err as NodeJS.ErrnoException).code },
            'launch folder: an older copy is still in use, kept for now',
          ),
        );
    }
  }

  return {
    prepare: (request) => launch(request, async () => undefined),
    copiedHashes: () => [...copied.values()],
    open: (request) =>
      launch(request, async (result) => {
        await deps.opener(result.path);
        deps.logger?.info({ file: result.filename, copy: result.copy }, 'launched');
      }),
  };
}

/** The temp root named by the device record (absolute, below a file-system root), else the platform default. */
export function launchTempRoot(
  device: Readonly<Record<string, unknown>> | null | undefined,
  platformDefault: string,
): string {
  return deviceFolder(device?.host_file_temp_path, platformDefault);
}

function validate(request: LaunchRequest): LaunchRequest {
  if (typeof request.sha256 !== 'string' || !SHA256_PATTERN.test(request.sha256)) {
    throw new InvalidLaunchRequestError('The file hash must be 64 lower-case hex characters.');
  }
  if (
    typeof request.filename !== 'string' ||
    request.filename.length === 0 ||
    request.filename.length > MAX_REQUESTED_FILENAME
  ) {
    throw new InvalidLaunchRequestError(`The file name must be 1 to ${MAX_REQUESTED_FILENAME} characters.`);
  }
  return request;
}

/** utimes goes through a double of seconds, so the stamped mtime can be a few nanoseconds off. */
function isSameInstant(aMs: number, bMs: number): boolean {
  return Math.abs(aMs - bMs) < 1;
}

function assertInside(root: string, candidate: string): void {
  const relative = path.relative(root, candidate);
  if (relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    throw new InvalidLaunchRequestError('Refused: the launch copy would land outside the launch folder.');
  }
}
