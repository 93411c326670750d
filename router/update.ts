import { router } from './trpc';

/** Placeholder until the update group lands (its issue owns this file). */
export type UpdateService = Record<string, never>;

export const updateRouter = router({});
