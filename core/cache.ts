import type { Logger } from '../base/logger';
import type { FileSource } from '../cache/file-source';
import { type Cache, openCache } from '../cache/service';
import { cacheRootOf } from '../contracts/device-folders';
import type { StatusFields } from '../update-helper/status-reporter';
import type { IdentityStream, IdentityView } from './identity';

export interface CoreCacheDeps {
  /** `--cache-dir`, else platformPaths().cacheRoot: the default when the device record names none. */
  defaultRoot: string;
  /** The last good device record, read before bootstrap runs: its `local_file_cache_path` wins. */
  lastDevice: Readonly<Record<string, unknown>> | null;
  identity: IdentityStream;
  source: FileSource;
  logger: Logger;
}

export interface CoreCache {
  cache: Cache;
  root: string;
  /** The fleet status file's `cache` fields for the page's current file list. */
  summary(): StatusFields['cache'];
  close(): Promise<void>;
}

export function cacheSummary(cache: Pick<Cache, 'status' | 'loop'>): StatusFields['cache'] {
  const { totals } = cache.status([...cache.loop.wantedFiles.keys()]);
  return { files: totals.files, bytes: totals.bytesPresent, missing: totals.files - totals.present };
}

/**
 * Opens the cache and runs its sync loop once the identity stream has a device, at the device's
 * `check_event_loop_period`, following changes of it.
 *
 * The cache opens before bootstrap knows the device (the page may ask for it at once, and a laptop
 * offline starts on what it has), so its root comes from the last good device record. A record
 * that names another folder takes effect at the next start: moving a live cache is not worth the
 * risk of two roots, and it is logged so ops know.
 */
export async function openCoreCache({
  defaultRoot,
  lastDevice,
  identity,
  source,
  logger,
}: CoreCacheDeps): Promise<CoreCache> {
  const root = cacheRootOf(lastDevice, defaultRoot);
  // One writer per root: while `prefetch` or `cache gc` holds it, the core waits for it (they end) rather than writing beside it.
  const onWaiting = (holder: { pid: number; role: string }) =>
    logger.warn(
      { root, holderPid: holder.pid, holder: holder.role },
      'the cache folder is in use by another Aether process; waiting for it',
    );
  const cache = await openCache({
    root,
    source,
    logger: logger.child({ module: 'cache' }),
    lock: { role: 'app', wait: true, onWaiting },
  });
  let started = false;
  let warnedRoot: string | null = null;
  const follow = (view: IdentityView) => {
    if (view.kind !== 'identified') return;
    const wanted = cacheRootOf(view.device, defaultRoot);
    if (wanted !== root && wanted !== warnedRoot) {
      warnedRoot = wanted;
      logger.warn(
        { root, next: wanted },
        'the device record names another cache folder; it is used from the next start',
      );
    }
    cache.loop.setPeriod(view.device.check_event_loop_period * 1000);
    if (!started) {
      started = true;
      cache.start();
    }
  };
  follow(identity.current());
  const unsubscribe = identity.subscribe(follow);
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
