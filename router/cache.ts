import { TRPCError } from '@trpc/server';
import { GcRefusedError } from '../cache/page-cache';
import type { CacheService } from '../cache/service';
import { EnsureInput, GcInput, StatusInput, VerifyInput, type ProgressEvent } from '../contracts/cache';
import { cappedSubscription, spendCall } from './limits';
import { router } from './trpc';
import { splashProcedure, trustedProcedure } from './sender-check';

export type { CacheService };

/**
 * The `cache` group (DESIGN §5): validates with the cache's zod schemas, then calls one service method.
 * The service the app passes is the page-facing cache (cache/page-cache.ts). `verify` and `gc` are
 * ops actions (they hash every file, or delete files): the launcher page gets FORBIDDEN, the app's
 * splash may call them (docs/SECURITY.md, "Trust boundaries").
 */
export const cacheRouter = router({
  status: trustedProcedure.input(StatusInput).query(({ ctx, input }) => ctx.services.cache.status(input.hashes)),
  ensure: trustedProcedure.input(EnsureInput).mutation(({ ctx, input }) => {
    spendCall(ctx, 'cache.ensure');
    return ctx.services.cache.ensure(input);
  }),
  progress: trustedProcedure.subscription(({ ctx }) =>
    cappedSubscription<ProgressEvent>(ctx, 'cache.progress', (emit) =>
      ctx.services.cache.subscribe((event) => emit.next(event)),
    ),
  ),
  verify: splashProcedure.input(VerifyInput).mutation(({ ctx, input }) => ctx.services.cache.verify(input?.hashes)),
  gc: splashProcedure.input(GcInput).mutation(async ({ ctx, input }) => {
    try {
      return await ctx.services.cache.gc(input.keep);
    } catch (err) {
      if (err instanceof GcRefusedError) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: err.message });
      throw err;
    }
  }),
});
