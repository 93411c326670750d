import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { FileSource } from '../../../cache/file-source';
import { defaultApiUrl } from '../../../provisioning/api-defaults';
import { createBootstrap, type Bootstrap } from '../../../provisioning/bootstrap';
import type { DeviceRecord, EventFile } from '../../../contracts/api';
import { cacheRootOf } from '../../../contracts/device-folders';
import { MemorySecretStore } from '../../../provisioning/secret-store';
import type { StateStore } from '../../../provisioning/state-store';
import { silentLogger, type Logger } from '../../../base/logger';
import { currentPlatform, platformPaths } from '../../../base/platform';
import type { CliIo } from '../command';

/**
 * What `cache` and `prefetch` share: where the cache is, and the device's current file list from the
 * API (found through the same seed discovery as the app). The CLI keeps no state of its own: no
 * last-good record and no stored JWT, so running it never changes how the app starts.
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

const nothingKept: StateStore = {
  file: '(the CLI keeps no last good record)',
  load: async () => null,
  save: async () => undefined,
};

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
 * Bootstraps once (no retries) from the seed found by the app's discovery rules (`--seed` first) and
 * lists the device's event files. Returns null when no seed exists anywhere and none was named.
 */
export async function loadDeviceFiles(io: CliIo, seedArg: string | undefined, logger: Logger): Promise<DeviceFiles | null> {
  const home = homeOf(io);
  const bootstrap = createBootstrap({
    discovery: { ...(seedArg ? { seedArg } : {}), env: io.env, packaged: false, paths: platformPaths({ platform: currentPlatform(), home, env: io.env }), home },
    defaultApiUrl: defaultApiUrl(io.env),
    stateStore: nothingKept,
    secretStore: new MemorySecretStore(),
    logger,
    home,
  });
  const state = await bootstrap.runOnce();
  if (state.kind === 'failed') {
    await bootstrap.stop();
    if (!seedArg && state.failure.code === 'seed-missing') return null;
    throw new FileListUnavailableError(`could not reach the device's file list: ${state.reason}`);
  }
  if (state.kind !== 'ready' && state.kind !== 'offline-ready') throw new FileListUnavailableError(`bootstrap stopped in state ${state.kind}`);
  const device = state.identity.device;
  try {
    const files = await bootstrap.api().listEventFiles(device.event_id);
    return { device, files, source: bootstrapFileSource(bootstrap), close: () => bootstrap.stop() };
  } catch (err) {
    await bootstrap.stop();
    throw new FileListUnavailableError(`could not list the event files of ${device.event_id}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** File bytes with the device's JWT (renewed by bootstrap when near expiry), from the base that answered. */
function bootstrapFileSource(bootstrap: Bootstrap): FileSource {
  return {
    baseUrls: () => bootstrap.api().baseUrls(),
    headers: async () => ({ authorization: `Bearer ${(await bootstrap.session()).token}` }),
  };
}
