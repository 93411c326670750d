import { TRPCError } from '@trpc/server';
import { middleware, publicProcedure, type SenderInfo } from './trpc';

/** Decides whether a sender may call the bridge (DESIGN §5, §9). */
export interface SenderPolicy {
  isAllowed(sender: SenderInfo): boolean;
}

/** Refuses, with FORBIDDEN and one log line, every caller that is not the launcher or the splash page. */
export const senderCheck = middleware(({ ctx, path, next }) => {
  const { sender, services } = ctx;
  if (!sender || !services.senderPolicy.isAllowed(sender)) {
    services.logger.warn({ path, origin: sender?.origin ?? null, role: sender?.role ?? null }, 'bridge call refused: sender not allowed');
    throw new TRPCError({ code: 'FORBIDDEN', message: 'This page may not use the Aether Native bridge.' });
  }
  return next({ ctx: { ...ctx, sender } });
});

export const trustedProcedure = publicProcedure.use(senderCheck);
