import type { Cache, CacheService } from '../../cache/service';
import type { EnsureInput, SessionReadiness } from '../../contracts/cache';

/**
 * The trusted cache as the bridge's `cache` service, for tests whose page drives the wanted list itself
 * (the raw Cache, not the page-facing one): each answer gets the cache's disk report and the given sessions.
 */
export function bridgeCache(
  cache: Cache,
  options: { sessions?: () => SessionReadiness[]; onEnsure?: (input: EnsureInput) => void } = {},
): CacheService {
  const sessions = options.sessions ?? (() => []);
  return {
    status: async (hashes) => ({ ...cache.status(hashes), sessions: sessions(), disk: await cache.disk() }),
    ensure: async (input) => {
      options.onEnsure?.(input);
      return { ...cache.ensure(input), sessions: sessions(), disk: await cache.disk() };
    },
    subscribe: (listener) => cache.subscribe(listener),
    verify: (hashes) => cache.verify(hashes),
    gc: (keep) => cache.gc(keep),
  };
}
