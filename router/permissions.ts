import { router } from './trpc';

/** Placeholder until the permissions group lands (its issue owns this file). */
export type PermissionsService = Record<string, never>;

export const permissionsRouter = router({});
