import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { syncDirectory, writeJsonAtomic } from '../base/atomic-file';
import { NATIVE_APP_DIR, PlainFileName, VERSION_FILE_NAME, VersionFile } from '../contracts/version';

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
  /** Publish even when the version is not higher than the current one (a deliberate rollback). */
  force?: boolean;
}

export interface ReleaseResult {
  release: VersionFile;
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
  if (!name.success) throw new ReleaseError(`The build's file name cannot be published: ${name.error.issues[0]?.message}. Rename the file.`);
  const version = request.version ?? versionFromFileName(name.data);
  if (!version || semver.valid(version) !== version) {
    throw new ReleaseError(`${version ? `"${version}" is not a plain semver` : 'No version in the file name'}; pass --version (e.g. --version 1.5.0).`);
  }
  const dir = path.join(request.share, ...NATIVE_APP_DIR);
  const previous = await currentVersion(dir);
  if (previous && !semver.gt(version, previous) && !request.force) {
    throw new ReleaseError(`${version} is not higher than the current release ${previous}; laptops would ignore it. Use --force to publish it anyway.`);
  }
  await fs.mkdir(dir, { recursive: true });
  const buildPath = path.join(dir, name.data);
  const { sha256, size } = await copyHashed(request.file, buildPath);
  const release = VersionFile.parse({
    version,
    file: name.data,
    sha256,
    size,
    ...(request.minVersion ? { min_version: request.minVersion } : {}),
    ...(request.onlyHosts?.length ? { only_hosts: request.onlyHosts } : {}),
    ...(request.notes ? { notes: request.notes } : {}),
  });
  await writeJsonAtomic(path.join(dir, VERSION_FILE_NAME), release);
  return { release, buildPath, previous };
}

export function versionFromFileName(name: string): string | null {
  // Only the usual pre-release tags count: in `Aether-1.4.0-mac-arm64.zip`, "-mac" is a platform.
  const match = /(?:^|[^0-9.])(\d+\.\d+\.\d+(?:-(?:alpha|beta|rc|pre|next|canary)(?:\.\d+)*)?)(?=[^0-9A-Za-z]|$)/.exec(name);
  return match?.[1] ?? null;
}

async function currentVersion(dir: string): Promise<string | null> {
  try {
    const parsed = VersionFile.safeParse(JSON.parse(await fs.readFile(path.join(dir, VERSION_FILE_NAME), 'utf8')));
    return parsed.success ? parsed.data.version : null;
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
