import type { CreateTRPCProxyClient } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { createNativeClient as createKitClient } from '../launcher-kit/src/native-client';
import type { AppRouter } from './index';

/**
 * The app's own pages (the splash, tests) see the whole router; launcher pages use the launcher
 * kit (launcher-kit/), whose types cover only the page-facing procedures. Both share one client per
 * page: this is the kit's createNativeClient with the full router type.
 */
export { detectMode, type PageMode, type PageGlobal } from '../launcher-kit/src/mode';
export { bridgeErrorCode, NotInNativeModeError } from '../launcher-kit/src/native-client';

export type NativeClient = CreateTRPCProxyClient<AppRouter>;
export type BridgeInputs = inferRouterInputs<AppRouter>;
export type BridgeOutputs = inferRouterOutputs<AppRouter>;
export type { AppRouter };

export function createNativeClient(): NativeClient {
  return createKitClient<AppRouter>();
}
