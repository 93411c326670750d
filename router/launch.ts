import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { AutomationAction } from '../kiosk/automation';
import { InvalidLaunchRequestError, LaunchError, MAX_REQUESTED_FILENAME, NotInCacheError, OpenFailedError } from '../kiosk/launch-handover';
import { CommandFailedError, PresentationApp } from '../kiosk/presentation-apps';
import { Sha256 } from '../contracts/api';
import { trustedProcedure } from './sender-check';
import { router } from './trpc';

/** Declared next to its implementation (kiosk/launch-service.ts). */
export type { LaunchService } from '../kiosk/launch-service';

/** The name is sanitised in kiosk/filename; here only its size is bounded, so 10,000 characters never get that far. */
export const LaunchOpenInput = z.object({
  sha256: Sha256,
  filename: z.string().min(1, 'must not be empty').max(MAX_REQUESTED_FILENAME, `must be at most ${MAX_REQUESTED_FILENAME} characters`),
});
export const ClosePresentationsInput = z.object({ app: PresentationApp });
export const AutomationInput = z.object({ action: AutomationAction });

export const launchRouter = router({
  // The page learns the name it was opened under, not the local path (it would carry the user's home folder).
  open: trustedProcedure.input(LaunchOpenInput).mutation(async ({ ctx, input }) => {
    const { filename, copy } = await withLaunchErrors(() => ctx.services.launch.open(input));
    return { filename, copy };
  }),
  closePresentations: trustedProcedure
    .input(ClosePresentationsInput)
    .mutation(({ ctx, input }) => withLaunchErrors(() => ctx.services.launch.closePresentations(input.app))),
  automation: trustedProcedure.input(AutomationInput).mutation(({ ctx, input }) => withLaunchErrors(() => ctx.services.launch.automation(input.action))),
});

/** Typed kiosk errors become tRPC codes the page can act on; their messages are written for people. */
async function withLaunchErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof InvalidLaunchRequestError) throw new TRPCError({ code: 'BAD_REQUEST', message: err.message });
    if (err instanceof NotInCacheError) throw new TRPCError({ code: 'NOT_FOUND', message: err.message });
    // The OS could not do it (no app for the file type, no Automation permission): the page shows why.
    if (err instanceof OpenFailedError || err instanceof CommandFailedError) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: err.message, cause: err });
    if (err instanceof LaunchError) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: err.message, cause: err });
    throw err;
  }
}
