import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { AutomationAction } from '../kiosk/automation';
import {
  ForbiddenTypeError,
  InvalidLaunchRequestError,
  LaunchError,
  MAX_REQUESTED_FILENAME,
  NotInCacheError,
  OpenFailedError,
} from '../kiosk/launch-handover';
import {
  FileListUnknownError,
  type LaunchService as KioskLaunchService,
  NotListedError,
  OpenCancelledError,
  OpenWaitTimeoutError,
} from '../kiosk/launch-service';
import { CommandFailedError, PresentationApp } from '../kiosk/presentation-apps';
import { Sha256 } from '../contracts/api';
import { spendCall } from './limits';
import { trustedProcedure } from './sender-check';
import { router } from './trpc';

/** Built by the composition root from kiosk/launch-service (handover, presentation apps, automation). */
export type LaunchService = Pick<KioskLaunchService, 'open' | 'closePresentations' | 'automation'>;

/**
 * The page names the file by hash and/or event_file_id. `filename` is still accepted from older
 * pages but never names anything: it only picks among the names the event's list gives that hash.
 */
export const LaunchOpenInput = z
  .object({
    sha256: Sha256.optional(),
    event_file_id: z.string().min(1).max(200).optional(),
    filename: z
      .string()
      .min(1, 'must not be empty')
      .max(MAX_REQUESTED_FILENAME, `must be at most ${MAX_REQUESTED_FILENAME} characters`)
      .optional(),
  })
  .refine((input) => input.sha256 !== undefined || input.event_file_id !== undefined, {
    message: 'name the file by sha256 or event_file_id',
  });
export const ClosePresentationsInput = z.object({ app: PresentationApp });
export const AutomationInput = z.object({ action: AutomationAction });

export const launchRouter = router({
  // The page learns the name it was opened under, not the local path (it would carry the user's home folder).
  open: trustedProcedure.input(LaunchOpenInput).mutation(async ({ ctx, input }) => {
    spendCall(ctx, 'launch.open');
    // A file still downloading is waited for; the wait ends if the page goes away.
    const { filename, copy } = await withLaunchErrors(() =>
      ctx.services.launch.open(input, ctx.pageGone ? { signal: ctx.pageGone } : {}),
    );
    return { filename, copy };
  }),
  closePresentations: trustedProcedure.input(ClosePresentationsInput).mutation(({ ctx, input }) => {
    spendCall(ctx, 'launch.closePresentations');
    return withLaunchErrors(() => ctx.services.launch.closePresentations(input.app));
  }),
  automation: trustedProcedure.input(AutomationInput).mutation(({ ctx, input }) => {
    spendCall(ctx, 'launch.automation');
    return withLaunchErrors(() => ctx.services.launch.automation(input.action));
  }),
});

/** Typed kiosk errors become tRPC codes the page can act on; their messages are written for people. */
async function withLaunchErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof InvalidLaunchRequestError) throw new TRPCError({ code: 'BAD_REQUEST', message: err.message });
    // Not the page's to open: a type that can run code, or a file the event does not list.
    if (err instanceof ForbiddenTypeError || err instanceof NotListedError)
      throw new TRPCError({ code: 'FORBIDDEN', message: err.message });
    if (err instanceof FileListUnknownError) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: err.message });
    if (err instanceof NotInCacheError) throw new TRPCError({ code: 'NOT_FOUND', message: err.message });
    // Still downloading when the wait ran out, or the page went away: the download goes on.
    if (err instanceof OpenWaitTimeoutError) throw new TRPCError({ code: 'TIMEOUT', message: err.message });
    if (err instanceof OpenCancelledError) throw new TRPCError({ code: 'CLIENT_CLOSED_REQUEST', message: err.message });
    // The OS could not do it (no app for the file type, no Automation permission): the page shows why.
    if (err instanceof OpenFailedError || err instanceof CommandFailedError)
      throw new TRPCError({ code: 'PRECONDITION_FAILED', message: err.message, cause: err });
    if (err instanceof LaunchError)
      throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: err.message, cause: err });
    throw err;
  }
}
