import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';

/**
 * Keeps the launch folder bounded (issue 10): each opened file has one `<short hash>/` folder, whose
 * mtime the handover stamps at every open ("last opened"). When the folders together exceed the
 * byte cap or the count cap, the least recently opened go first; the folder being opened never does.
 * Only names the handover makes (16 hex characters) are touched: anything else in the folder is
 * not ours to delete.
 */

/** 2 GiB: a day of decks and videos for one room, far below what a laptop's temp volume holds. */
export const DEFAULT_LAUNCH_FOLDER_MAX_BYTES = 2 * 1024 ** 3;
/** Copies, whatever their size. */
export const DEFAULT_LAUNCH_FOLDER_MAX_COPIES = 200;

const COPY_DIR = /^[0-9a-f]{16}$/;

export interface LaunchFolderLimits {
  maxBytes: number;
  maxCopies: number;
}

export interface PruneReport {
  removed: string[];
  freedBytes: number;
  keptBytes: number;
  keptCopies: number;
}

interface CopyDir {
  name: string;
  dir: string;
  lastOpenedMs: number;
  bytes: number;
}

async function sizeOf(dir: string): Promise<number> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  let total = 0;
  for (const name of names) {
    const stat = await fs.lstat(path.join(dir, name)).catch(() => null);
    if (stat?.isFile()) total += stat.size;
  }
  return total;
}

async function copyDirs(root: string): Promise<CopyDir[]> {
  const names = await fs.readdir(root).catch(() => [] as string[]);
  const dirs: CopyDir[] = [];
  for (const name of names) {
    if (!COPY_DIR.test(name)) continue;
    const dir = path.join(root, name);
    const stat = await fs.lstat(dir).catch(() => null);
    if (!stat) continue;
    // A planted symlink is removed as a link (never followed) like any other old entry.
    dirs.push({ name, dir, lastOpenedMs: stat.mtimeMs, bytes: stat.isDirectory() ? await sizeOf(dir) : 0 });
  }
  return dirs;
}

/** Removes least-recently-opened copy folders until both caps hold; folders in `protect` (being opened now) are never removed. */
export async function pruneLaunchFolder(
  root: string,
  protect: ReadonlySet<string>,
  limits: LaunchFolderLimits,
  logger?: Logger,
): Promise<PruneReport> {
  const dirs = await copyDirs(root);
  let bytes = dirs.reduce((sum, d) => sum + d.bytes, 0);
  let copies = dirs.length;
  const report: PruneReport = { removed: [], freedBytes: 0, keptBytes: bytes, keptCopies: copies };
  const oldestFirst = dirs
    .filter((d) => !protect.has(d.name))
    .sort((a, b) => a.lastOpenedMs - b.lastOpenedMs || a.name.localeCompare(b.name));
  for (const victim of oldestFirst) {
    if (bytes <= limits.maxBytes && copies <= limits.maxCopies) break;
    try {
      await fs.rm(victim.dir, { recursive: true, force: true });
    } catch (err) {
      // Windows refuses to delete a file a presentation app still has open: it stays until next time.
      logger?.info(
        { dir: victim.name, code: (err as NodeJS.ErrnoException).code },
        'launch folder: an old copy is still in use, kept for now',
      );
      continue;
    }
    bytes -= victim.bytes;
    copies -= 1;
    report.removed.push(victim.name);
    report.freedBytes += victim.bytes;
  }
  report.keptBytes = bytes;
  report.keptCopies = copies;
  if (report.removed.length > 0)
    logger?.info(
      { removed: report.removed.length, freedBytes: report.freedBytes, keptBytes: bytes, keptCopies: copies },
      'launch folder pruned',
    );
  return report;
}
