import type { Logger } from '../../base/logger';
import type { FileSource } from '../../cache/file-source';
import { type Cache, openCache } from '../../cache/service';
import type { Bootstrap } from '../../provisioning/bootstrap';
import type { BootstrapState } from '../../provisioning/bootstrap-state';
import { cacheRootOf } from '../../contracts/device-folders';
import type { StatusFields } from '../../update-helper/status-reporter';

export interface CacheWiringDeps {
  /** platformPaths().cacheRoot */
  defaultRoot: string;
  /** The last good device record, read before bootstrap runs: its `local_file_cache_path` wins. */
  lastDevice: Readonly<Record<string, unknown>> | null;
  bootstrap: Pick<Bootstrap, 'api' | 'session' | 'state' | 'subscribe'>;
  logger: Logger;
}

export interface DesktopCache {
  cache: Cache;
  root: string;
  /** The fleet status file's `cache` fields for the page's current file list. */
  summary(): StatusFields['cache'];
  close(): Promise<void>;
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

export function cacheSummary(cache: Pick<Cache, 'status' | 'loop'>): StatusFields['cache'] {
  const { totals } = cache.status([...cache.loop.wantedFiles.keys()]);
  return { files: totals.files, bytes: totals.bytesPresent, missing: totals.files - totals.present };
}

/**
 * Opens the cache for the composition root and runs its sync loop once bootstrap has a device,
 * at the device's `check_event_loop_period`, following changes of it.
 *
 * The cache opens before bootstrap knows the device (the page may ask for it at once, and a laptop
 * offline starts on what it has), so its root comes from the last good device record. A record
 * that names another folder takes effect at the next start: moving a live cache is not worth the
 * risk of two roots, and it is logged so ops know.
 */
export async function openDesktopCache({ defaultRoot, lastDevice, bootstrap, logger }: CacheWiringDeps): Promise<DesktopCache> {
  const root = cacheRootOf(lastDevice, defaultRoot);
  // One writer per root: while `prefetch` or `cache gc` holds it, the app waits for it (they end) rather than writing beside it.
  const lock = { role: 'app' as const, wait: true, onWaiting: (holder: { pid: number; role: string }) => logger.warn({ root, holderPid: holder.pid, holder: holder.role }, 'the cache folder is in use by another Aether process; waiting for it') };
  const cache = await openCache({ root, source: bootstrapFileSource(bootstrap), logger: logger.child({ module: 'cache' }), lock });
  let started = false;
  let warnedRoot: string | null = null;
  const follow = (state: BootstrapState) => {
    if (state.kind !== 'ready' && state.kind !== 'offline-ready') return;
    const { device } = state.identity;
    const wanted = cacheRootOf(device, defaultRoot);
    if (wanted !== root && wanted !== warnedRoot) {
      warnedRoot = wanted;
      logger.warn({ root, next: wanted }, 'the device record names another cache folder; it is used from the next start');
    }
    cache.loop.setPeriod(device.check_event_loop_period * 1000);
    if (!started) {
      started = true;
      cache.start();
    }
  };
  follow(bootstrap.state());
  const unsubscribe = bootstrap.subscribe(follow);
  return {
    cache,
    root,
    summary: () => cacheSummary(cache),
    async close() {
      unsubscribe();
      await cache.close();
    },
  };
}
