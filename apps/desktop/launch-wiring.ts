import type { Logger } from 'pino';
import type { Platform } from '../../base/platform';
import { type CacheLookup, launchTempRoot } from '../../kiosk/launch-handover';
import { createLaunchService } from '../../kiosk/launch-service';
import { execFileRunner } from '../../kiosk/presentation-apps';
import type { LaunchService } from '../../router/launch';
import { electronOpener } from './opener.electron';

export interface LaunchWiringDeps {
  platform: Platform;
  /** The opened cache (cache/service `Cache`). */
  cache: CacheLookup;
  /** The current device record, if bootstrap has one: its `host_file_temp_path` wins. */
  device: () => Readonly<Record<string, unknown>> | null;
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
    opener: electronOpener(),
    run: execFileRunner(),
    logger: deps.logger.child({ module: 'launch' }),
  });
}
