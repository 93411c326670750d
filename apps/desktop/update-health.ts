import path from 'node:path';
import type { Logger } from '../../base/logger';
import type { WatchdogState } from '../../kiosk/watchdog';
import { swapFilesIn, type SpawnFn } from '../../update-helper/apply-update';
import { writeHealthMarker } from '../../update-helper/health-marker';
import { repairInterruptedSwap, type StartupRepairResult } from '../../update-helper/startup-repair';

/**
 * The app's side of the swap helper's health check (DESIGN §8): without the marker the helper rolls
 * every update back, so it is written the first time the kiosk page has loaded.
 */
export function healthMarkerOnFirstLoad({
  stateDir,
  version,
  logger,
}: {
  stateDir: string;
  version: string;
  logger: Logger;
}): (state: WatchdogState) => void {
  let written = false;
  return (state) => {
    if (written || state.kind !== 'healthy') return;
    written = true;
    const markerPath = swapFilesIn(stateDir).healthMarker;
    writeHealthMarker(markerPath, { version }).then(
      () => logger.info({ version }, 'health marker written'),
      (err: unknown) =>
        logger.error({ err, markerPath }, 'health marker could not be written; a pending update will roll back'),
    );
  };
}

export interface SwapRepairDeps {
  packaged: boolean;
  stateDir: string;
  /** `process.resourcesPath`: update_helper.sh is packaged there. */
  resourcesPath: string | undefined;
  spawn: SpawnFn;
  logger: Logger;
}

/** At start of the packaged app: completes or undoes a swap a killed helper left half done. */
export async function repairSwapAtStart({
  packaged,
  stateDir,
  resourcesPath,
  spawn,
  logger,
}: SwapRepairDeps): Promise<StartupRepairResult | null> {
  if (!packaged || !resourcesPath) return null;
  try {
    return await repairInterruptedSwap({
      stateDir,
      helperScript: path.join(resourcesPath, 'update_helper.sh'),
      spawn,
      logger,
    });
  } catch (err) {
    logger.error({ err }, 'an interrupted update swap could not be checked; starting the installed app as it is');
    return null;
  }
}
