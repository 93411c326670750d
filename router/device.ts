import { router } from './trpc';

/** Placeholder until the device group lands (issue 2 owns this file). */
export type DeviceService = Record<string, never>;

export const deviceRouter = router({});
