import { PermissionKindInput } from '../contracts/permissions';
import type { PermissionsService as TccPermissionsService } from '../kiosk/permissions-service';
import { splashProcedure, trustedProcedure } from './sender-check';
import { router } from './trpc';

/** The group's service: macOS TCC (kiosk/permissions-service.ts) plus the splash's "Continue without". */
export interface PermissionsService extends TccPermissionsService {
  /** Ops chose to go on with permissions missing: the kiosk stops waiting for them (apps/desktop/permissions-gate.ts). */
  continueWithout(): void;
}

/** `permissions` group (DESIGN §5): thin procedures over kiosk/permissions-service.ts. */
export const permissionsRouter = router({
  status: trustedProcedure.query(({ ctx }) => ctx.services.permissions.status()),
  request: trustedProcedure.input(PermissionKindInput).mutation(({ ctx, input }) => ctx.services.permissions.request(input.kind)),
  openSettings: trustedProcedure.input(PermissionKindInput).mutation(({ ctx, input }) => ctx.services.permissions.openSettings(input.kind)),
  /** Only the splash: the launcher must not be able to skip the permissions step. */
  continueWithout: splashProcedure.mutation(({ ctx }): { continued: true } => {
    ctx.services.permissions.continueWithout();
    return { continued: true };
  }),
});
