import { cacheRouter } from './cache';
import { deviceRouter } from './device';
import { launchRouter } from './launch';
import { permissionsRouter } from './permissions';
import { router } from './trpc';
import { updateRouter } from './update';

/** The bridge: one group per concern (DESIGN §5); the groups may not be merged away. */
export const appRouter = router({
  device: deviceRouter,
  cache: cacheRouter,
  launch: launchRouter,
  permissions: permissionsRouter,
  update: updateRouter,
});

export type AppRouter = typeof appRouter;
