import { initTRPC } from '@trpc/server';
import { formatBridgeError } from './error-shape';
import type { Services } from './services';

/**
 * What the context knows about the caller, read from `event.senderFrame` at once in createContext
 * (electron-trpc 0.7.x runs createContext outside its try/catch, so it must never throw).
 * `null` when the frame was already gone or unreadable: such a caller is refused, never trusted.
 */
export interface SenderInfo {
  webContentsId: number;
  /** Which of the app's windows sent it, as the composition root labels them. */
  role: 'splash' | 'kiosk' | 'unknown';
  isMainFrame: boolean;
  origin: string;
  url: string;
}

export interface Context {
  sender: SenderInfo | null;
  services: Services;
  /** Development builds show stack traces to the page; absent or false (packaged) they never do. */
  development?: boolean;
  /** Aborts when the calling page goes away (router/page-lifetime.ts): long waits on its behalf end. */
  pageGone?: AbortSignal;
}

const t = initTRPC.context<Context>().create({
  isServer: true,
  // The formatter below decides about stacks (development builds only). tRPC's own isDev default
  // (NODE_ENV !== 'production', true in a packaged Electron app) would format the stack of every
  // refused call: a page calling in a loop would make the main process pay for each one.
  isDev: false,
  errorFormatter({ error, path, ctx }) {
    const shaped = formatBridgeError(error, path, ctx?.development === true);
    if (shaped.data.code === 'INTERNAL_SERVER_ERROR')
      ctx?.services.logger.error({ err: error.cause ?? error, path }, 'bridge call failed');
    return shaped;
  },
});

export const router = t.router;
export const middleware = t.middleware;
export const publicProcedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
