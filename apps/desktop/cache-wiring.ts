import type { Logger } from '../common/logger';
import type { FileSource } from '../../cache/file-source';
import { type Cache, openCache } from '../../cache/service';
import type { Bootstrap } from '../../provisioning/bootstrap';
import type { BootstrapState } from '../../provisioning/bootstrap-state';

export interface CacheWiringDeps {
  root: string;
  bootstrap: Pick<Bootstrap, 'api' | 'session' | 'state' | 'subscribe'>;
  logger: Logger;
}

/**
 * File bytes come from the API the device bootstrapped against, with the device's JWT (renewed by
 * bootstrap when near expiry). The API key never leaves provisioning/. Before bootstrap has a seed
 * there is nowhere to download from, so the list of bases is empty.
 */
function bootstrapFileSource(bootstrap: CacheWiringDeps['bootstrap']): FileSource {
  return {
    baseUrls: () => {
      try {
        return bootstrap.api().baseUrls();
      } catch {
        return [];
      }
    },
    headers: async () => ({ authorization: `Bearer ${(await bootstrap.session()).token}` }),
  };
}

function periodOf(state: BootstrapState): number | null {
  if (state.kind !== 'ready' && state.kind !== 'offline-ready') return null;
  return state.identity.device.check_event_loop_period * 1000;
}

/**
 * Opens the cache for the composition root and runs its sync loop once bootstrap has a device,
 * at the device's `check_event_loop_period`, following changes of it.
 */
export async function openDesktopCache({ root, bootstrap, logger }: CacheWiringDeps): Promise<{ cache: Cache; close(): Promise<void> }> {
  const cache = await openCache({ root, source: bootstrapFileSource(bootstrap), logger: logger.child({ module: 'cache' }) });
  let started = false;
  const follow = (state: BootstrapState) => {
    const period = periodOf(state);
    if (period === null) return;
    cache.loop.setPeriod(period);
    if (!started) {
      started = true;
      cache.start();
    }
  };
  follow(bootstrap.state());
  const unsubscribe = bootstrap.subscribe(follow);
  return {
    cache,
    async close() {
      unsubscribe();
      await cache.close();
    },
  };
}
