import type { Logger } from '../base/logger';
import type { CommandRunner } from '../base/command-runner';
import type { Platform } from '../base/platform';
import { type CacheLookup, launchTempRoot, OpenFailedError, type Opener } from '../kiosk/launch-handover';
import { createLaunchService, type LaunchService, type ListedFile } from '../kiosk/launch-service';
import { type IdentityStream, identifiedOf } from './identity';

export interface CoreLaunchDeps {
  platform: Platform;
  /** The opened cache (cache/service `Cache`). */
  cache: CacheLookup;
  /** The current device record, if any: its `host_file_temp_path` wins over `defaultTempRoot`. */
  identity: IdentityStream;
  /** platformPaths(...).tempRoot */
  defaultTempRoot: string;
  /** The edge's way to open a file with its default app (Electron: shell.openPath). */
  opener: Opener;
  run: CommandRunner;
  /** The device's event file list from the API: names, and what the page may open at all. */
  eventFiles: () => readonly ListedFile[] | null;
  refreshEventFiles?: () => Promise<unknown>;
  onOpened?: (file: ListedFile) => void;
  logger: Logger;
}

/** The `launch` service of the core: the kiosk's handover with the current device's temp folder. */
export function createCoreLaunchService(deps: CoreLaunchDeps): LaunchService {
  return createLaunchService({
    platform: deps.platform,
    cache: deps.cache,
    tempRoot: () => launchTempRoot(identifiedOf(deps.identity.current())?.device ?? null, deps.defaultTempRoot),
    eventFiles: deps.eventFiles,
    ...(deps.refreshEventFiles ? { refreshEventFiles: deps.refreshEventFiles } : {}),
    ...(deps.onOpened ? { onOpened: deps.onOpened } : {}),
    extraTypes: () => identifiedOf(deps.identity.current())?.device.launch_extra_types ?? [],
    opener: deps.opener,
    run: deps.run,
    logger: deps.logger.child({ module: 'launch' }),
  });
}

/** The opener of a process without a desktop (the agent, the CLI): nothing there can be shown, so it says so. */
export const headlessOpener: Opener = async (filePath) => {
  throw new OpenFailedError(filePath, 'this process runs without a desktop and opens no files');
};
