import type { Logger } from 'pino';
import type { Platform } from '../../base/platform';
import { type CacheLookup, launchTempRoot } from '../../kiosk/launch-handover';
import { createLaunchService, type LaunchService, type ListedFile } from '../../kiosk/launch-service';
import { execFileRunner } from '../../kiosk/presentation-apps';
import { electronOpener } from './opener.electron';

export interface LaunchWiringDeps {
  platform: Platform;
  /** The opened cache (cache/service `Cache`). */
  cache: CacheLookup;
  /** The current device record, if bootstrap has one: its `host_file_temp_path` and `launch_extra_types` win. */
  device: () => Readonly<Record<string, unknown>> | null;
  /** The device's event file list from the API (provisioning/event-file-list): names and what may be opened. */
  eventFiles: () => readonly ListedFile[] | null;
  refreshEventFiles?: () => Promise<unknown>;
  /** platformPaths(...).tempRoot */
  defaultTempRoot: string;
  logger: Logger;
}

/** The `launch` service for the composition root (apps/desktop/main.ts): real opener, real execFile. */
export function createDesktopLaunchService(deps: LaunchWiringDeps): LaunchService {
  return createLaunchService({
    platform: deps.platform,
    cache: deps.cache,
    tempRoot: () => launchTempRoot(deps.device(), deps.defaultTempRoot),
    eventFiles: deps.eventFiles,
    ...(deps.refreshEventFiles ? { refreshEventFiles: deps.refreshEventFiles } : {}),
    extraTypes: () => deps.device()?.launch_extra_types ?? [],
    opener: electronOpener(),
    run: execFileRunner(),
    logger: deps.logger.child({ module: 'launch' }),
  });
}
