import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { NATIVE_APP_DIR, VERSION_FILE_NAME, VersionFile } from '../contracts/version';
import { isShareNoise } from '../provisioning/share-names';
import { ReleaseError, versionFromFileName } from './publish-release';

export interface PruneRequest {
  share: string;
  /** How many versions to keep, newest first (all files of a version: a mac zip and a dmg are one build). */
  keep: number;
  dryRun: boolean;
}

export interface PruneResult {
  /** The build version.json names: never removed. */
  current: string | null;
  kept: string[];
  removed: { file: string; bytes: number }[];
}

const MAX_VERSION_FILE_BYTES = 64 * 1024;

/**
 * Removes old builds from `<share>/binaries/native_app/`, keeping the newest `keep` versions and,
 * always, the build version.json names (a laptop may be downloading it). Only regular files whose
 * name carries a version are candidates: links, folders, dotfiles (a release in progress writes under
 * a dotted temp name), Syncthing's own files and anything without a version are left alone.
 */
export async function pruneReleases({ share, keep, dryRun }: PruneRequest): Promise<PruneResult> {
  if (!Number.isInteger(keep) || keep < 1)
    throw new ReleaseError(`keep must be a whole number of builds, at least 1 (got ${keep}).`);
  const dir = path.join(share, ...NATIVE_APP_DIR);
  const names = await fs.readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (!names) return { current: null, kept: [], removed: [] };
  const current = await currentBuild(dir);
  const builds: { file: string; version: string; bytes: number }[] = [];
  for (const file of names) {
    if (file === VERSION_FILE_NAME || isShareNoise(file)) continue;
    const version = versionFromFileName(file);
    const stat = await fs.lstat(path.join(dir, file)).catch(() => null);
    if (!version || !semver.valid(version) || !stat?.isFile()) continue;
    builds.push({ file, version, bytes: stat.size });
  }
  const versions = [...new Set(builds.map((b) => b.version))].sort(semver.rcompare);
  const keptVersions = new Set(versions.slice(0, keep));
  const result: PruneResult = { current, kept: [], removed: [] };
  for (const build of builds.sort((a, b) => semver.rcompare(a.version, b.version) || a.file.localeCompare(b.file))) {
    if (keptVersions.has(build.version) || build.file === current) {
      result.kept.push(build.file);
      continue;
    }
    if (!dryRun) await fs.rm(path.join(dir, build.file));
    result.removed.push({ file: build.file, bytes: build.bytes });
  }
  return result;
}

/** The file version.json names; pruning refuses to guess when it cannot be read. */
async function currentBuild(dir: string): Promise<string | null> {
  const file = path.join(dir, VERSION_FILE_NAME);
  const stat = await fs.lstat(file).catch(() => null);
  if (!stat) return null;
  const refuse = (why: string) =>
    new ReleaseError(
      `${file} ${why}; prune will not guess which build is current. Fix it (or publish a release) first.`,
    );
  if (!stat.isFile()) throw refuse('is not a regular file');
  if (stat.size > MAX_VERSION_FILE_BYTES) throw refuse('is far too big to be a version.json');
  const handle = await fs.open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  let text: string;
  try {
    text = (await handle.readFile()).toString('utf8');
  } finally {
    await handle.close();
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw refuse('is not valid JSON');
  }
  const parsed = VersionFile.safeParse(json);
  if (!parsed.success) throw refuse('does not hold a valid release');
  return parsed.data.file;
}
