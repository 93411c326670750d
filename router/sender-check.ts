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
    services.logger.warn(
      { path, origin: sender?.origin ?? null, role: sender?.role ?? null },
      'bridge call refused: sender not allowed',
    );
    throw new TRPCError({ code: 'FORBIDDEN', message: 'This page may not use the Aether Native bridge.' });
  }
  return next({ ctx: { ...ctx, sender } });
});

export const trustedProcedure = publicProcedure.use(senderCheck);

/** Further narrows a trusted call to one of the app's windows, e.g. what only the splash may ask. */
export function requireRole(role: SenderInfo['role']) {
  return middleware(({ ctx, path, next }) => {
    if (ctx.sender?.role !== role) {
      ctx.services.logger.warn(
        { path, role: ctx.sender?.role ?? null, required: role },
        'bridge call refused: wrong window for this procedure',
      );
      throw new TRPCError({ code: 'FORBIDDEN', message: `Only the app's ${role} page may call ${path}.` });
    }
    return next();
  });
}

export const splashProcedure = trustedProcedure.use(requireRole('splash'));
