import { TRPCError } from '@trpc/server';
import type { UpdateStatus } from '../update-helper/update-state';
import { UpdateNotReadyError } from '../update-helper/version-watcher';
import { cappedSubscription, spendCall } from './limits';
import { splashProcedure, trustedProcedure } from './sender-check';
import { router } from './trpc';

export type { UpdateStatus };

/** Declared next to its implementation (core/fleet.ts). */
export type { UpdateService } from '../core/fleet';

/** The `update` group (DESIGN §5): the update state machine, a manual check, and the hand-over. */
export const updateRouter = router({
  status: trustedProcedure.query(({ ctx }): UpdateStatus => ctx.services.update.status()),
  /** Starts with the current state, then every change. */
  events: trustedProcedure.subscription(({ ctx }) =>
    cappedSubscription<UpdateStatus>(ctx, 'update.events', (emit) => {
      const stop = ctx.services.update.subscribe((status) => emit.next(status));
      emit.next(ctx.services.update.status());
      return stop;
    }),
  ),
  /** "Check for Updates…": re-reads the share now; answers with the state that produced. */
  check: trustedProcedure.mutation(async ({ ctx }): Promise<UpdateStatus> => {
    spendCall(ctx, 'update.check');
    await ctx.services.update.checkNow();
    return ctx.services.update.status();
  }),
  /**
   * Quits the app and hands the staged build to the swap helper. Only the splash: an update quits
   * the kiosk mid-session, so it is applied from the splash, the app menu or ops, never by the
   * launcher page (docs/SECURITY.md, "Trust boundaries").
   */
  apply: splashProcedure.mutation(async ({ ctx }): Promise<{ applying: string }> => {
    try {
      await ctx.services.update.apply();
    } catch (err) {
      if (err instanceof UpdateNotReadyError)
        throw new TRPCError({ code: 'PRECONDITION_FAILED', message: err.message });
      throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: (err as Error).message, cause: err });
    }
    const { state } = ctx.services.update.status();
    return { applying: state.kind === 'applying' ? state.version : '' };
  }),
});
