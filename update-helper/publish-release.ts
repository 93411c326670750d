import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { syncDirectory, writeJsonAtomic } from '../base/atomic-file';
import {
  type BuildTarget,
  NATIVE_APP_DIR,
  PlainFileName,
  VERSION_FILE_NAME,
  VersionManifest,
} from '../contracts/version';

/** A release refused before anything in the share changed, with what to do instead. */
export class ReleaseError extends Error {
  override name = 'ReleaseError';
}

export interface ReleaseRequest {
  share: string;
  /** The build to publish: one archive file. */
  file: string;
  /** Taken from the file name (`Aether-1.5.0-mac.zip`) when not given. */
  version?: string;
  notes?: string;
  minVersion?: string;
  onlyHosts?: string[];
  /** A ring: the share of laptops (by a stable hash of the hostname) that take it, 0..100. */
  rolloutPercent?: number;
  /** Publish this build as one platform's entry of a per-platform version.json, keeping the others. */
  platform?: BuildTarget;
  /** An explicit downgrade: laptops on the current release go down to this version. */
  rollback?: boolean;
  /** Publish the same version again (e.g. a rebuilt archive). */
  force?: boolean;
}

export interface ReleaseResult {
  release: VersionManifest;
  buildPath: string;
  previous: string | null;
}

/**
 * Publishes a build so that no watcher can see a version.json whose build is missing or partial:
 * the build goes in under a dotted temp name (watchers ignore dotfiles), is renamed into place, and
 * only then is version.json replaced (temp + rename).
 */
export async function publishRelease(request: ReleaseRequest): Promise<ReleaseResult> {
  const source = await fs.stat(request.file).catch(() => null);
  if (!source?.isFile()) throw new ReleaseError(`${request.file} is not a file; --file must name the build archive.`);
  const name = PlainFileName.safeParse(path.basename(request.file));
  if (!name.success)
    throw new ReleaseError(
      `The build's file name cannot be published: ${name.error.issues[0]?.message}. Rename the file.`,
    );
  const version = request.version ?? versionFromFileName(name.data);
  if (!version || semver.valid(version) !== version) {
    throw new ReleaseError(
      `${version ? `"${version}" is not a plain semver` : 'No version in the file name'}; pass --version (e.g. --version 1.5.0).`,
    );
  }
  const dir = path.join(request.share, ...NATIVE_APP_DIR);
  const current = await currentManifest(dir);
  const previous = current?.version ?? null;
  const addsPlatform = !!request.platform && !!current && 'builds' in current && current.version === version;
  checkVersionOrder(version, previous, { rollback: !!request.rollback, force: !!request.force || addsPlatform });
  await fs.mkdir(dir, { recursive: true });
  const buildPath = path.join(dir, name.data);
  const build = { file: name.data, ...(await copyHashed(request.file, buildPath)) };
  const fields = {
    version,
    ...(request.minVersion ? { min_version: request.minVersion } : {}),
    ...(request.onlyHosts?.length ? { only_hosts: request.onlyHosts } : {}),
    ...(request.rolloutPercent !== undefined ? { rollout_percent: request.rolloutPercent } : {}),
    ...(request.rollback && previous ? { rollback_of: previous } : {}),
    ...(request.notes ? { notes: request.notes } : {}),
  };
  const otherBuilds = addsPlatform && current && 'builds' in current ? current.builds : {};
  const release = VersionManifest.parse(
    request.platform ? { ...fields, builds: { ...otherBuilds, [request.platform]: build } } : { ...fields, ...build },
  );
  await writeJsonAtomic(path.join(dir, VERSION_FILE_NAME), release);
  return { release, buildPath, previous };
}

/** Laptops only move up, or down through an explicit rollback: refuse anything they would ignore. */
function checkVersionOrder(
  version: string,
  previous: string | null,
  allow: { rollback: boolean; force: boolean },
): void {
  if (!previous) {
    if (allow.rollback)
      throw new ReleaseError('There is no current release to roll back from; publish without --rollback.');
    return;
  }
  if (allow.rollback) {
    if (!semver.lt(version, previous))
      throw new ReleaseError(
        `--rollback publishes a lower version than the current ${previous}; ${version} is not lower.`,
      );
    return;
  }
  if (semver.lt(version, previous)) {
    throw new ReleaseError(
      `${version} is lower than the current release ${previous}; laptops refuse plain downgrades. Use --rollback to take laptops on ${previous} down to ${version}.`,
    );
  }
  if (semver.eq(version, previous) && !allow.force) {
    throw new ReleaseError(
      `${version} is already the current release; laptops on it would ignore it. Use --force to publish it again.`,
    );
  }
}

export function versionFromFileName(name: string): string | null {
  // Only the usual pre-release tags count: in `Aether-1.4.0-mac-arm64.zip`, "-mac" is a platform.
  const match = /(?:^|[^0-9.])(\d+\.\d+\.\d+(?:-(?:alpha|beta|rc|pre|next|canary)(?:\.\d+)*)?)(?=[^0-9A-Za-z]|$)/.exec(
    name,
  );
  return match?.[1] ?? null;
}

async function currentManifest(dir: string): Promise<VersionManifest | null> {
  try {
    const parsed = VersionManifest.safeParse(JSON.parse(await fs.readFile(path.join(dir, VERSION_FILE_NAME), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Copies while hashing, so the SHA-256 in version.json is that of the bytes in the share. */
async function copyHashed(from: string, to: string): Promise<{ sha256: string; size: number }> {
  const temp = path.join(path.dirname(to), `.${path.basename(to)}.${randomBytes(4).toString('hex')}.release.tmp`);
  const hash = createHash('sha256');
  let size = 0;
  const handle = await fs.open(temp, 'w', 0o644);
  try {
    for await (const chunk of createReadStream(from, { highWaterMark: 1 << 20 })) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      size += bytes.length;
      await handle.write(bytes);
    }
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  await fs.rename(temp, to);
  await syncDirectory(path.dirname(to));
  return { sha256: hash.digest('hex'), size };
}
