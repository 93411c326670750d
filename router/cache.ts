import { observable } from '@trpc/server/observable';
import type { CacheService } from '../cache/service';
import { EnsureInput, GcInput, StatusInput, VerifyInput, type ProgressEvent } from '../contracts/cache';
import { router } from './trpc';
import { trustedProcedure } from './sender-check';

export type { CacheService };

/** The `cache` group (DESIGN §5): validates with the cache's zod schemas, then calls one service method. */
export const cacheRouter = router({
  status: trustedProcedure.input(StatusInput).query(({ ctx, input }) => ctx.services.cache.status(input.hashes)),
  ensure: trustedProcedure.input(EnsureInput).mutation(({ ctx, input }) => ctx.services.cache.ensure(input)),
  progress: trustedProcedure.subscription(({ ctx }) => observable<ProgressEvent>((emit) => ctx.services.cache.subscribe((event) => emit.next(event)))),
  verify: trustedProcedure.input(VerifyInput).mutation(({ ctx, input }) => ctx.services.cache.verify(input?.hashes)),
  gc: trustedProcedure.input(GcInput).mutation(({ ctx, input }) => ctx.services.cache.gc(input.keep)),
});
