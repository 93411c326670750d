import { router } from './trpc';

/** Placeholder until the cache group lands (its issue owns this file). */
export type CacheService = Record<string, never>;

export const cacheRouter = router({});
