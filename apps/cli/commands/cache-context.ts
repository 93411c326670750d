import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { FileSource } from '../../../cache/file-source';
import { defaultApiUrl } from '../../../provisioning/api-defaults';
import type { DeviceRecord, EventFile } from '../../../contracts/api';
import { cacheRootOf } from '../../../contracts/device-folders';
import { displayPath } from '../../../provisioning/seed-errors';
import { silentLogger, type Logger } from '../../../base/logger';
import { createAetherCore } from '../../../core/create-core';
import { describeNoIdentity } from '../../../core/identity';
import { currentPlatform, platformPaths } from '../../../base/platform';
import type { CliIo } from '../command';

/**
 * What `cache` and `prefetch` share: where the cache is, and the device's current file list from the
 * API (found through the same seed discovery as the app, by the same core). The CLI keeps no state
 * of its own and writes none of the app's: running it never changes how the app starts.
 */

export function cliLogger(io: CliIo): Logger {
  const level = io.env.AETHER_LOG_LEVEL;
  return level ? pino({ level }, io.stderr) : silentLogger();
}

function homeOf(io: CliIo): string {
  return io.env.HOME ?? os.homedir();
}

/** `--cache-dir` wins, then the device record's `local_file_cache_path` (as the app takes it), then the platform default. */
export function resolveCacheRoot(io: CliIo, cacheDir: string | undefined, device?: DeviceRecord | null): string {
  if (cacheDir) return path.resolve(cacheDir);
  return cacheRootOf(device, platformPaths({ platform: currentPlatform(), home: homeOf(io), env: io.env }).cacheRoot);
}

export interface DeviceFiles {
  device: DeviceRecord;
  files: EventFile[];
  /** Authenticated access to file bytes for the cache downloader. */
  source: FileSource;
  close(): Promise<void>;
}

export class FileListUnavailableError extends Error {
  override name = 'FileListUnavailableError';
}

/**
 * Bootstraps once (no retries) through the application core in its diagnostic mode (the app's seed
 * discovery, `--seed` first; the app's last good record read, never written; the JWT in memory) and
 * lists the device's event files. Returns null when no seed exists anywhere and none was named.
 * `stateDir` replaces the app's state folder (prefetch --demo keeps to its own temp folder).
 */
export async function loadDeviceFiles(
  io: CliIo,
  seedArg: string | undefined,
  logger: Logger,
  stateDir?: string,
): Promise<DeviceFiles | null> {
  const home = homeOf(io);
  const platform = currentPlatform();
  const paths = platformPaths({ platform, home, env: io.env });
  const core = await createAetherCore({
    mode: 'diagnostic',
    platform,
    paths: stateDir ? { ...paths, stateDir } : paths,
    env: io.env,
    home,
    packaged: false,
    logger,
    defaultApiUrl: defaultApiUrl(io.env),
    ...(seedArg ? { seedArg } : {}),
  });
  const view = await core.runOnce();
  if (view.kind === 'none') {
    await core.close();
    if (!seedArg && view.why.code === 'no-seed') return null;
    throw new FileListUnavailableError(
      `could not reach the device's file list: ${describeNoIdentity(view.why, (file) => displayPath(file, home))}`,
    );
  }
  const device = view.device;
  try {
    const files = await core.api().listEventFiles(device.event_id);
    return { device, files, source: core.fileSource, close: () => core.close() };
  } catch (err) {
    await core.close();
    throw new FileListUnavailableError(
      `could not list the event files of ${device.event_id}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
