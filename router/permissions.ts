import { PermissionKindInput } from '../kiosk/permission-schemas';
import type { PermissionsService } from '../kiosk/permissions-service';
import { trustedProcedure } from './sender-check';
import { router } from './trpc';

export type { PermissionsService };

/** `permissions` group (DESIGN §5): thin procedures over kiosk/permissions-service.ts. */
export const permissionsRouter = router({
  status: trustedProcedure.query(({ ctx }) => ctx.services.permissions.status()),
  request: trustedProcedure.input(PermissionKindInput).mutation(({ ctx, input }) => ctx.services.permissions.request(input.kind)),
  openSettings: trustedProcedure.input(PermissionKindInput).mutation(({ ctx, input }) => ctx.services.permissions.openSettings(input.kind)),
});
