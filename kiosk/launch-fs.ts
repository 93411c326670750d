import { lstatSync, mkdirSync, readdirSync, renameSync, type Stats, statSync, utimesSync } from 'node:fs';
import fs from 'node:fs/promises';

/**
 * The file-system calls the launch handover makes on the click path, as one seam: the handover
 * uses `launchFs` (below); a test passes a counting wrapper to see how many calls happen before the
 * opener. Only what the handover needs, nothing more.
 */
export interface LaunchFs {
  stat(p: string): Promise<Stats>;
  lstat(p: string): Promise<Stats>;
  /** Recursive: the temp root may not exist yet. */
  mkdir(p: string): Promise<void>;
  utimes(p: string, atime: Date, mtime: Date): Promise<void>;
  copyFile(source: string, target: string, mode: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  rm(p: string): Promise<void>;
  readdir(p: string): Promise<string[]>;
}

/** Every call through libuv's pool (node:fs/promises). */
export const pooledLaunchFs: LaunchFs = {
  stat: (p) => fs.stat(p),
  lstat: (p) => fs.lstat(p),
  mkdir: async (p) => void (await fs.mkdir(p, { recursive: true })),
  utimes: (p, atime, mtime) => fs.utimes(p, atime, mtime),
  copyFile: (source, target, mode) => fs.copyFile(source, target, mode),
  rename: (from, to) => fs.rename(from, to),
  rm: (p) => fs.rm(p, { recursive: true, force: true }),
  readdir: (p) => fs.readdir(p),
};

/**
 * What the app uses. The metadata calls (stat, lstat, mkdir, utimes, rename, and readdir of one
 * copy's folder) run synchronously on purpose: on the local disk the cache and the launch folder
 * live on they take microseconds, while through libuv's pool each one waits for one of its 4 threads,
 * which a running sync keeps busy with writes, fdatasyncs, opens and renames, and then for the event
 * loop to come round to its callback. With them synchronous a re-open reaches the opener without
 * leaving the click's turn of the event loop. Measured with `npm run bench -- open-under-load`
 * (docs/BENCHMARKS.md, "Open under load"): re-open p99 under load 38-131 ms before, 20-36 ms with
 * the fewer calls through the pool, 0.4-9.5 ms with them synchronous. The copy itself (up to
 * gigabytes) and a recursive rm stay on the pool, off the main thread. A `host_file_temp_path` on a
 * network share would make each of these calls block the main thread for a round trip: the launch
 * folder is a temp folder and belongs on a local disk.
 */
export const launchFs: LaunchFs = {
  stat: async (p) => statSync(p),
  lstat: async (p) => lstatSync(p),
  mkdir: async (p) => void mkdirSync(p, { recursive: true }),
  utimes: async (p, atime, mtime) => utimesSync(p, atime, mtime),
  copyFile: pooledLaunchFs.copyFile,
  rename: async (from, to) => renameSync(from, to),
  rm: pooledLaunchFs.rm,
  readdir: async (p) => readdirSync(p),
};
