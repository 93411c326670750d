import { constants as fsConstants, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Platform } from '../base/platform';
import { writeJsonAtomic } from '../base/atomic-file';
import type { CommandRunner } from '../base/command-runner';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { StagedManifest, stagedManifestPath, stagingRoot } from '../contracts/staged-manifest';
import type { VersionFile } from '../contracts/version';

/** A staging refusal or failure, worded for the splash: what is wrong and what to do. */
export class StagingError extends Error {
  override name = 'StagingError';
}

export interface StagingDeps {
  platform: Platform;
  /** The installed app: the `.app` folder (macOS), the AppImage file or the unpacked folder (Linux). */
  installPath: string;
  appVersion: string;
  run: CommandRunner;
  logger: Logger;
  now?: () => Date;
}

export interface BuildToStage {
  release: VersionFile;
  /** The verified archive in the share. */
  payloadPath: string;
}

/**
 * Refuses an install location that cannot be swapped in place: a translocated app (macOS runs a
 * quarantined download from a random read-only mount) or a folder the app cannot write to.
 */
export async function checkInstallLocation(platform: Platform, installPath: string): Promise<string | null> {
  if (platform === 'darwin' && installPath.includes('/AppTranslocation/')) {
    return 'Aether is running translocated (straight from a download). Move Aether.app into /Applications, open it from there, and updates will work.';
  }
  const parent = path.dirname(installPath);
  try {
    await fs.access(parent, fsConstants.W_OK);
  } catch {
    return `Aether cannot update itself: it cannot write to ${parent}. Install it in a folder this user can write to (e.g. /Applications).`;
  }
  return null;
}

/**
 * Unpacks a verified build next to the installed app (same volume, so the swap is a rename), checks
 * it, and writes the staged manifest last. A failure or abort leaves no half-staged build behind.
 */
export async function stageBuild(
  deps: StagingDeps,
  build: BuildToStage,
  signal?: AbortSignal,
): Promise<StagedManifest> {
  const refusal = await checkInstallLocation(deps.platform, deps.installPath);
  if (refusal) throw new StagingError(refusal);
  const kind = buildKind(deps.platform, build.release.file);
  const root = stagingRoot(deps.installPath);
  await fs.mkdir(root, { recursive: true });
  await removeLeftovers(root, (name) => name.startsWith(UNPACK_PREFIX));
  const work = await fs.mkdtemp(path.join(root, `${UNPACK_PREFIX}${build.release.version}-`));
  try {
    // Everything after this reads the private copy: the share's file can be swapped by a peer at any
    // moment after it was verified, so the verified bytes are the copy's, hashed while copying.
    const local = { ...build, payloadPath: await copyVerifiedPayload(build, work, signal) };
    let unpacked: string;
    if (kind === 'macos-app') unpacked = await unpackMacApp(deps, local, work, signal);
    else if (kind === 'appimage') unpacked = await placeAppImage(local, work);
    else unpacked = await untarDirectory(deps, local, work, signal);
    signal?.throwIfAborted();
    const versionDir = path.join(root, build.release.version);
    const stagedPath = path.join(versionDir, path.basename(deps.installPath));
    await fs.rm(versionDir, { recursive: true, force: true });
    await fs.mkdir(versionDir);
    await fs.rename(unpacked, stagedPath);
    const manifest = StagedManifest.parse({
      format: 1,
      version: build.release.version,
      from_version: deps.appVersion,
      staged_path: stagedPath,
      install_path: deps.installPath,
      source_file: build.release.file,
      sha256: build.release.sha256,
      kind,
      staged_at: (deps.now?.() ?? new Date()).toISOString(),
    });
    await writeJsonAtomic(stagedManifestPath(deps.installPath), manifest);
    // Only the build the manifest names is kept; earlier staged versions are superseded.
    await removeLeftovers(
      root,
      (name) =>
        name !== build.release.version &&
        name !== path.basename(stagedManifestPath(deps.installPath)) &&
        !name.startsWith(UNPACK_PREFIX),
    );
    deps.logger.info({ version: manifest.version, stagedPath }, 'update staged');
    return manifest;
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Unpack folders of a staging that crashed or was aborted; nothing else uses the prefix. */
const UNPACK_PREFIX = '.unpack-';

async function removeLeftovers(root: string, matches: (name: string) => boolean): Promise<void> {
  for (const name of await fs.readdir(root)) {
    if (matches(name)) await fs.rm(path.join(root, name), { recursive: true, force: true });
  }
}

export function buildKind(platform: Platform, file: string): StagedManifest['kind'] {
  const lower = file.toLowerCase();
  if (platform === 'darwin' && lower.endsWith('.zip')) return 'macos-app';
  if (platform === 'linux' && lower.endsWith('.appimage')) return 'appimage';
  if (platform === 'linux' && (lower.endsWith('.tar.gz') || lower.endsWith('.tgz'))) return 'directory';
  if (platform === 'win32')
    throw new StagingError('Self-update from the share is not supported on Windows; run the new installer instead.');
  const wanted = platform === 'darwin' ? 'a .zip of Aether.app' : 'an .AppImage or a .tar.gz';
  throw new StagingError(`The release file ${file} is not a build for this computer (${platform} needs ${wanted}).`);
}

async function must(deps: StagingDeps, file: string, args: readonly string[], what: string): Promise<string> {
  const result = await deps.run(file, args);
  if (result.exitCode !== 0) {
    const detail = (result.stderr || result.stdout).trim().split('\n', 1)[0]?.slice(0, 300) ?? '';
    throw new StagingError(`${what} failed (${file} exited with ${result.exitCode})${detail ? `: ${detail}` : ''}`);
  }
  return `${result.stdout}\n${result.stderr}`;
}

/** `ditto -x -k` keeps symlinks, permissions and signatures inside the bundle; `unzip` does not. */
async function unpackMacApp(
  deps: StagingDeps,
  build: BuildToStage,
  work: string,
  signal?: AbortSignal,
): Promise<string> {
  const into = path.join(work, 'unpacked');
  await must(deps, 'ditto', ['-x', '-k', build.payloadPath, into], 'Unpacking the update');
  signal?.throwIfAborted();
  const apps = (await fs.readdir(into).catch(() => [] as string[])).filter((n) => n.endsWith('.app'));
  if (apps.length !== 1)
    throw new StagingError(
      `The update archive must hold exactly one .app; ${build.release.file} holds ${apps.length}.`,
    );
  const app = path.join(into, apps[0] as string);
  await must(deps, 'codesign', ['--verify', '--deep', '--strict', app], 'Checking the update signature');
  const requirement = designatedRequirement(
    await must(deps, 'codesign', ['-d', '-r-', deps.installPath], 'Reading the installed app signature'),
  );
  if (!requirement)
    throw new StagingError(
      'The installed app has no designated requirement (unsigned build), so an update cannot be checked against it.',
    );
  await must(
    deps,
    'codesign',
    ['--verify', '--deep', '--strict', `--test-requirement=${requirement}`, app],
    'Checking the update is signed by the same developer',
  );
  signal?.throwIfAborted();
  const cleared = await deps.run('xattr', ['-r', '-d', 'com.apple.quarantine', app]);
  if (cleared.exitCode !== 0 && !/no such xattr/i.test(cleared.stderr)) {
    throw new StagingError(`Clearing the quarantine flag failed (xattr exited with ${cleared.exitCode}).`);
  }
  return app;
}

/** `codesign -d -r-` prints `designated => <requirement>`; `=` makes `--test-requirement` read it as text. */
export function designatedRequirement(output: string): string | null {
  const match = /designated => (.+)/.exec(output);
  return match?.[1] ? `=${match[1].trim()}` : null;
}

const NO_FOLLOW_READ = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0);

/**
 * Copies the build out of the share through one descriptor opened without following a symlink, no
 * more than the size version.json names, hashing as it copies. The copy is what is unpacked or run.
 */
async function copyVerifiedPayload(build: BuildToStage, work: string, signal?: AbortSignal): Promise<string> {
  const { file, size, sha256 } = build.release;
  const copy = path.join(work, `payload-${file}`);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(build.payloadPath, NO_FOLLOW_READ);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK')
      throw new StagingError(`${file} in the share is a symbolic link; builds are never followed through links.`);
    throw new StagingError(`${file} in the share could not be opened (${code ?? 'unexpected error'}).`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new StagingError(`${file} in the share is not a regular file.`);
    if (st.size !== size)
      throw new StagingError(
        `${file} in the share is ${st.size} bytes, not the ${size} version.json names; it changed after it was verified.`,
      );
    const hash = createHash('sha256');
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(
      handle.createReadStream({ start: 0, end: size - 1, autoClose: false, highWaterMark: 1 << 20 }),
      tap,
      createWriteStream(copy, { mode: 0o600 }),
      ...(signal ? [{ signal }] : []),
    );
    if (hash.digest('hex') !== sha256)
      throw new StagingError(`The copy of ${file} does not match its SHA-256; it changed while being copied.`);
    return copy;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

async function placeAppImage(build: BuildToStage, work: string): Promise<string> {
  const target = path.join(work, build.release.file);
  await fs.rename(build.payloadPath, target);
  await fs.chmod(target, 0o755);
  return target;
}

async function untarDirectory(
  deps: StagingDeps,
  build: BuildToStage,
  work: string,
  signal?: AbortSignal,
): Promise<string> {
  const into = path.join(work, 'unpacked');
  await fs.mkdir(into);
  await must(deps, 'tar', ['-xzpf', build.payloadPath, '-C', into], 'Unpacking the update');
  signal?.throwIfAborted();
  const entries = await fs.readdir(into, { withFileTypes: true });
  const only = entries.length === 1 ? entries[0] : undefined;
  return only?.isDirectory() ? path.join(into, only.name) : into;
}
