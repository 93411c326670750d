import { createTRPCProxyClient, type CreateTRPCClientOptions, type CreateTRPCProxyClient } from '@trpc/client';
import type { AnyRouter, inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { ipcLink } from 'electron-trpc/renderer';
import type { PageRouter } from './bridge-types.js';
import { pageGlobal } from './mode.js';

export type NativeClient<TRouter extends AnyRouter = PageRouter> = CreateTRPCProxyClient<TRouter>;
export type BridgeInputs = inferRouterInputs<PageRouter>;
export type BridgeOutputs = inferRouterOutputs<PageRouter>;

export class NotInNativeModeError extends Error {
  constructor() {
    super(
      'The Aether Native bridge is not available: this page is not running inside Aether Native (use detectMode() before createNativeClient()).',
    );
    this.name = 'NotInNativeModeError';
  }
}

/**
 * One client per bridge object: each `ipcLink()` adds a message listener that is never removed,
 * so a second client would double every reply handler. Keyed weakly by the exposed bridge.
 */
const clientsByBridge = new WeakMap<object, unknown>();

/**
 * The page's typed client of the bridge. `TRouter` defaults to the page-facing procedures; the
 * app's own pages (the splash) pass the full router type.
 */
export function createNativeClient<TRouter extends AnyRouter = PageRouter>(): NativeClient<TRouter> {
  const bridge = pageGlobal().electronTRPC;
  if (!bridge || typeof bridge !== 'object') throw new NotInNativeModeError();
  const existing = clientsByBridge.get(bridge);
  if (existing) return existing as NativeClient<TRouter>;
  // With a generic router TS cannot tell whether it needs a transformer; the bridge uses none.
  const client = createTRPCProxyClient<TRouter>({ links: [ipcLink<TRouter>()] } as CreateTRPCClientOptions<TRouter>);
  clientsByBridge.set(bridge, client);
  return client;
}

/**
 * The tRPC code of a failed bridge call (e.g. `'FORBIDDEN'`), or null when it is not a bridge error.
 * Matched by name, not `instanceof`: electron-trpc's ipcLink throws its own bundled TRPCClientError.
 */
export function bridgeErrorCode(err: unknown): string | null {
  if (!(err instanceof Error) || err.name !== 'TRPCClientError') return null;
  const code = (err as { data?: { code?: unknown } }).data?.code;
  return typeof code === 'string' ? code : null;
}
