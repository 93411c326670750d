import { router } from './trpc';

/** Placeholder until the launch group lands (its issue owns this file). */
export type LaunchService = Record<string, never>;

export const launchRouter = router({});
