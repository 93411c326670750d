import path from 'node:path';
import { electronOpener } from '../../apps/desktop/opener.electron';
import { execFileRunner } from '../../base/command-runner';
import { launchTempRoot } from '../../kiosk/launch-handover';
import { pageFacingCache } from '../../cache/page-cache';
import { createReadinessTracker } from '../../cache/session-readiness';
import { type Cache, openCache } from '../../cache/service';
import { createLaunchService, type LaunchService } from '../../kiosk/launch-service';
import { createEventFileList, type EventFileList } from '../../provisioning/event-file-list';
import type { DemoBridgeParts } from './demo-bridge';

export interface RealPageServices {
  cache: Cache;
  list: EventFileList;
  launch: LaunchService;
  services: { cache: ReturnType<typeof pageFacingCache>; launch: LaunchService };
  close(): Promise<void>;
}

/**
 * The page-facing services as main.ts wires them, over a bootstrap that reached ready: the real
 * cache under <workDir>/cache, the event file list fetched from the API with the device's
 * credentials and followed by the cache, the page-facing cache and the launch service (the OS
 * opener is the fake electron shell).
 */
export async function realPageServices(
  { bootstrap, identity, workDir, logger }: DemoBridgeParts,
  options: { maxAttempts?: number } = {},
): Promise<RealPageServices> {
  const cache = await openCache({
    root: path.join(workDir, 'cache'),
    source: {
      baseUrls: () => bootstrap.api().baseUrls(),
      headers: async () => ({ authorization: `Bearer ${(await bootstrap.session()).token}` }),
    },
    logger,
    download: { maxAttempts: options.maxAttempts ?? 1 },
  });
  const list = createEventFileList({
    eventId: () => identity.device.event_id,
    fetch: (id) => bootstrap.api().listEventFiles(id),
    logger,
  });
  const stop = list.subscribe((files) =>
    cache.ensure({ files: files.map((f) => ({ sha256: f.sha256, size: f.size })) }),
  );
  cache.start();
  await list.refresh({ force: true });
  const launch = createLaunchService({
    platform: 'linux',
    cache,
    tempRoot: () => launchTempRoot(identity.device, path.join(workDir, 'launch')),
    eventFiles: () => list.current(),
    refreshEventFiles: () => list.refresh(),
    extraTypes: () => identity.device.launch_extra_types ?? [],
    opener: electronOpener(),
    run: execFileRunner(),
    logger,
  });
  const readiness = createReadinessTracker();
  const pageCache = pageFacingCache({
    cache,
    eventFiles: () => list.current(),
    refreshEventFiles: () => list.refresh(),
    openHashes: () => launch.openHashes(),
    sessions: () => readiness.check(list.current() ?? [], (sha256) => cache.store.has(sha256), new Date()),
  });
  return {
    cache,
    list,
    launch,
    services: { cache: pageCache, launch },
    async close() {
      stop();
      await cache.close();
    },
  };
}
