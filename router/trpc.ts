import { initTRPC } from '@trpc/server';
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
}

const t = initTRPC.context<Context>().create({ isServer: true });

export const router = t.router;
export const middleware = t.middleware;
export const publicProcedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
