import { createTRPCProxyClient, type CreateTRPCProxyClient } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { ipcLink } from 'electron-trpc/renderer';
import type { AppRouter } from './index';

/**
 * The launcher page's way into Aether Native. This module is bundled into the page, so it imports
 * only *types* from the router: no main-process code ever reaches the page bundle.
 *
 * Modes (DESIGN §2):
 * - `native`: the page runs inside Aether Native; the preload exposed `window.electronTRPC`.
 * - `onsite`: a plain browser on an onsite laptop, asked for with `?mode=onsite` in the page URL
 *   (e.g. `https://summit.example.com/events/ev/launcher/loc?mode=onsite`).
 * - `default`: any other browser.
 */
export type PageMode = 'native' | 'onsite' | 'default';

export type NativeClient = CreateTRPCProxyClient<AppRouter>;
export type BridgeInputs = inferRouterInputs<AppRouter>;
export type BridgeOutputs = inferRouterOutputs<AppRouter>;
export type { AppRouter };

/** The part of `window` this module looks at; `globalThis` in the page, a plain object in tests. */
export interface PageGlobal {
  electronTRPC?: unknown;
  location?: { search: string };
}

function pageGlobal(): PageGlobal {
  return globalThis as PageGlobal;
}

export function detectMode(win: PageGlobal = pageGlobal()): PageMode {
  if (win.electronTRPC) return 'native';
  const search = win.location?.search ?? '';
  return new URLSearchParams(search).get('mode') === 'onsite' ? 'onsite' : 'default';
}

export class NotInNativeModeError extends Error {
  constructor() {
    super('The Aether Native bridge is not available: this page is not running inside Aether Native (use detectMode() before createNativeClient()).');
    this.name = 'NotInNativeModeError';
  }
}

/**
 * One client per bridge object: each `ipcLink()` adds a message listener that is never removed,
 * so a second client would double every reply handler. Keyed weakly by the exposed bridge.
 */
const clientsByBridge = new WeakMap<object, NativeClient>();

export function createNativeClient(): NativeClient {
  const bridge = pageGlobal().electronTRPC;
  if (!bridge || typeof bridge !== 'object') throw new NotInNativeModeError();
  const existing = clientsByBridge.get(bridge);
  if (existing) return existing;
  const client = createTRPCProxyClient<AppRouter>({ links: [ipcLink<AppRouter>()] });
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
