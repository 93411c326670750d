import { PermissionKindInput } from '../contracts/permissions';
import { splashProcedure, trustedProcedure } from './sender-check';
import { router } from './trpc';

/** Declared next to its implementation (kiosk/permissions-service.ts). */
export type { PermissionsService } from '../kiosk/permissions-service';

/** `permissions` group (DESIGN §5): thin procedures over kiosk/permissions-service.ts. */
export const permissionsRouter = router({
  status: trustedProcedure.query(({ ctx }) => ctx.services.permissions.status()),
  request: trustedProcedure
    .input(PermissionKindInput)
    .mutation(({ ctx, input }) => ctx.services.permissions.request(input.kind)),
  openSettings: trustedProcedure
    .input(PermissionKindInput)
    .mutation(({ ctx, input }) => ctx.services.permissions.openSettings(input.kind)),
  /** Only the splash: the launcher must not be able to skip the permissions step. */
  continueWithout: splashProcedure.mutation(({ ctx }): { continued: true } => {
    ctx.services.permissions.continueWithout();
    return { continued: true };
  }),
});
