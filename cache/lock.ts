import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sleep } from '../base/clock';
import { errnoCode } from './errors';
import { LOCK_FILE, lockPath } from './layout';
import { processIsAlive } from './reclaim';

/**
 * One writer per cache root, across processes: the app, `prefetch`, `cache gc` and `cache verify`
 * take this lock before they change a root; `cache status` and `gc --dry-run` only read and never
 * need it.
 *
 * The lock is a symbolic link `<root>/.aether-cache.lock` whose target names the holder
 * (`aether-cache-lock:<pid>:<role>:<token>:<boot time>`), as Emacs locks files: creating it is atomic and
 * exclusive (EEXIST), the holder is read back with one readlink, and a short link needs no data
 * block, so it can be taken on a 100% full disk (where `gc` is the way out). A lock whose pid no
 * longer runs is stale and taken over: it is renamed aside and removed only if what was moved is the
 * very lock judged stale (a fresh lock taken meanwhile is put back). Where symbolic links are not
 * allowed (Windows without the privilege) the same text goes into a file created exclusively.
 *
 * Not `proper-lockfile`: it judges staleness by an mtime refreshed on a timer, so a laptop that
 * sleeps, or a main process blocked longer than the stale time, loses its lock to the next CLI run
 * (two writers, the bug this lock exists for); it does not record the holder, which the refusal
 * message must name; and its pid-less directory lock cannot tell a crashed holder from a live one
 * without waiting out the stale time. On one machine a pid answers exactly. A lock from before a
 * reboot is stale whatever its pid (the boot time is part of it: the app restarted at boot often gets
 * the same pid). The cost: a pid reused by an unrelated process after a crash, in the same boot,
 * makes the lock look held; the message names the pid, and removing `<root>/.aether-cache.lock` by
 * hand is safe once no Aether process runs.
 */

export type LockRole = 'app' | 'prefetch' | 'cache gc' | 'cache verify';

export interface LockHolder {
  pid: number;
  role: string;
  token: string;
  /** When the machine booted (s since the epoch), as the holder saw it; null for an older form. */
  bootSec?: number | null;
}

const PREFIX = 'aether-cache-lock:';
const HOLDER = /^aether-cache-lock:(\d+):([a-z ]{1,32}):([0-9a-f]{8,64})(?::(\d+))?$/;
/**
 * Boot times computed as "now − uptime" jitter by a second or two, and move with a wall-clock jump
 * (NTP after a wake): 2 minutes tolerates those, and a reboot moves the boot time by the previous
 * boot's whole uptime. The residual risk (a reboot within 2 minutes of the previous one whose pid
 * is reused) is the pid-reuse case the refusal message covers.
 */
const SAME_BOOT_TOLERANCE_S = 120;

function bootSec(): number {
  return Math.round(Date.now() / 1000 - os.uptime());
}
/** A lock written as a plain file (no symlinks allowed) may be read before its text is: held meanwhile. */
const UNREADABLE_FILE_GRACE_MS = 10_000;
const TAKE_ROUNDS = 8;
export const DEFAULT_LOCK_POLL_MS = 1_000;

export function describeHolder(holder: Pick<LockHolder, 'pid' | 'role'>): string {
  if (holder.role === 'app') return `the Aether app (pid ${holder.pid})`;
  if (holder.role === 'unknown') return `another process (pid ${holder.pid || 'unknown'})`;
  return `aether-native ${holder.role} (pid ${holder.pid})`;
}

export class CacheLockedError extends Error {
  override name = 'CacheLockedError';
  constructor(
    readonly root: string,
    readonly holder: LockHolder,
  ) {
    super(`${describeHolder(holder)} is using this cache (${root}); quit it or run with --wait`);
  }
}

export interface LockOptions {
  role: LockRole;
  /** Wait for the holder to finish instead of refusing at once. */
  wait?: boolean;
  pollMs?: number;
  /** Ends a wait (then the CacheLockedError of the current holder is thrown). */
  signal?: AbortSignal;
  /** Called once when the lock is held by someone else and `wait` is set. */
  onWaiting?: (holder: LockHolder, message: string) => void;
  pid?: number;
  isProcessAlive?: (pid: number) => boolean;
}

export interface CacheLock {
  readonly root: string;
  readonly holder: LockHolder;
  /** Removes the lock if it is still ours; never throws. */
  release(): Promise<void>;
}

type Attempt = { kind: 'taken' } | { kind: 'held'; holder: LockHolder };

/** Takes the root's lock, waiting for it when asked; throws CacheLockedError when it is held. */
export async function acquireCacheLock(root: string, options: LockOptions): Promise<CacheLock> {
  const pid = options.pid ?? process.pid;
  const isAlive = options.isProcessAlive ?? processIsAlive;
  const me: LockHolder = { pid, role: options.role, token: randomBytes(8).toString('hex'), bootSec: bootSec() };
  const text = `${PREFIX}${me.pid}:${me.role}:${me.token}:${me.bootSec}`;
  const file = lockPath(root);
  let told = false;
  for (;;) {
    const attempt = await takeOnce(file, text, pid, isAlive);
    if (attempt.kind === 'taken') {
      await removeLeftAsides(root, isAlive);
      return { root, holder: me, release: () => release(file, text) };
    }
    const locked = new CacheLockedError(root, attempt.holder);
    if (!options.wait || options.signal?.aborted) throw locked;
    if (!told) options.onWaiting?.(attempt.holder, locked.message);
    told = true;
    await sleep(options.pollMs ?? DEFAULT_LOCK_POLL_MS, options.signal);
    if (options.signal?.aborted) throw locked;
  }
}

/** Who holds the root's lock now (a live holder only), without taking it: for read-only commands that want to say so. */
export async function currentHolder(
  root: string,
  isAlive: (pid: number) => boolean = processIsAlive,
): Promise<LockHolder | null> {
  const found = await readLock(lockPath(root));
  if (!found || !found.holder) return null;
  return thisBoot(found.holder) && isAlive(found.holder.pid) ? found.holder : null;
}

function thisBoot(holder: LockHolder): boolean {
  return holder.bootSec == null || Math.abs(holder.bootSec - bootSec()) <= SAME_BOOT_TOLERANCE_S;
}

async function takeOnce(file: string, text: string, pid: number, isAlive: (pid: number) => boolean): Promise<Attempt> {
  for (let round = 0; round < TAKE_ROUNDS; round += 1) {
    if (await create(file, text)) return { kind: 'taken' };
    const found = await readLock(file);
    if (!found) continue; // released between our create and our read
    const { raw, holder, youngFile } = found;
    if (holder && thisBoot(holder) && (holder.pid === pid || isAlive(holder.pid))) return { kind: 'held', holder };
    if (!holder && youngFile) return { kind: 'held', holder: { pid: 0, role: 'unknown', token: '' } };
    // Stale (its process is gone) or not a lock we can read: move it aside, then check what moved.
    const aside = `${file}.stale.${pid}.${randomBytes(4).toString('hex')}`;
    try {
      await fsp.rename(file, aside);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      throw err;
    }
    const moved = await readLock(aside);
    if (moved && moved.raw !== raw) await create(file, moved.raw); // a fresh lock: put it back
    await fsp.rm(aside, { force: true });
  }
  const found = await readLock(file);
  return { kind: 'held', holder: found?.holder ?? { pid: 0, role: 'unknown', token: '' } };
}

/** Creates the lock exclusively; false when one exists. */
async function create(file: string, text: string): Promise<boolean> {
  try {
    await fsp.symlink(text, file);
    return true;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP' && code !== 'ENOTSUP') throw err;
  }
  try {
    await fsp.writeFile(file, text, { flag: 'wx' });
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  }
}

interface FoundLock {
  raw: string;
  holder: LockHolder | null;
  /** A plain-file lock with no readable holder yet, recent enough that its writer may still be writing. */
  youngFile: boolean;
}

async function readLock(file: string): Promise<FoundLock | null> {
  let raw: string;
  let youngFile = false;
  try {
    raw = await fsp.readlink(file);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return null;
    if (code !== 'EINVAL' && code !== 'UNKNOWN') throw err;
    // Not a symlink: the plain-file form (or something else at our name).
    try {
      const stat = await fsp.lstat(file);
      raw = stat.isFile() && stat.size <= 256 ? await fsp.readFile(file, 'utf8') : '';
      youngFile = stat.isFile() && Date.now() - stat.mtimeMs < UNREADABLE_FILE_GRACE_MS;
    } catch (inner) {
      if (errnoCode(inner) === 'ENOENT') return null;
      throw inner;
    }
  }
  const match = HOLDER.exec(raw);
  const holder = match
    ? { pid: Number(match[1]), role: match[2]!, token: match[3]!, bootSec: match[4] ? Number(match[4]) : null }
    : null;
  return { raw, holder, youngFile: holder === null && youngFile };
}

async function release(file: string, text: string): Promise<void> {
  const found = await readLock(file).catch(() => null);
  if (found?.raw !== text) return;
  await fsp.rm(file, { force: true }).catch(() => undefined);
}

/** Asides left by a takeover that crashed half-way (`.aether-cache.lock.stale.<pid>.<hex>`). */
async function removeLeftAsides(root: string, isAlive: (pid: number) => boolean): Promise<void> {
  const pattern = new RegExp(`^${LOCK_FILE.replace(/\./g, '\\.')}\\.stale\\.(\\d+)\\.[0-9a-f]{8}$`);
  const names = await fsp.readdir(root).catch(() => [] as string[]);
  for (const name of names) {
    const match = pattern.exec(name);
    if (match && !isAlive(Number(match[1])))
      await fsp.rm(path.join(root, name), { force: true }).catch(() => undefined);
  }
}
