import type { Context, SenderInfo } from './trpc';
import type { Services } from './services';

/** The parts of Electron's IpcMainEvent / WebFrameMain read here (the router never imports electron). */
export interface FrameLike {
  readonly origin: string;
  readonly url: string;
  readonly parent: unknown;
}

export interface IpcEventLike {
  readonly sender: { readonly id: number };
  readonly senderFrame: FrameLike | null;
}

export type SenderRole = SenderInfo['role'];

export interface ContextOptions {
  services: Services;
  /** Which of the app's windows owns a webContents id; the composition root keeps this table. */
  roleOf: (webContentsId: number) => SenderRole;
  development: boolean;
  /** The calling page's lifetime signal (router/page-lifetime.ts); none: waits end only by their bound. */
  pageGone?: (webContentsId: number) => AbortSignal;
}

/**
 * Reads the sending frame once, at arrival. Electron's senderFrame may already be null (navigated
 * away) or disposed (every property read throws "Render frame was disposed..."): both become
 * `null`, which the sender check refuses. Never throws: electron-trpc 0.7.x awaits createContext
 * outside its try/catch, so a throw here would leave the page's call hanging forever.
 */
export function readSender(event: IpcEventLike, roleOf: ContextOptions['roleOf']): SenderInfo | null {
  try {
    const frame = event.senderFrame;
    if (!frame) return null;
    const { origin, url } = frame;
    const isMainFrame = frame.parent === null;
    const webContentsId = event.sender.id;
    if (typeof origin !== 'string' || typeof url !== 'string' || typeof webContentsId !== 'number') return null;
    return { webContentsId, role: roleOf(webContentsId), isMainFrame, origin, url };
  } catch {
    return null;
  }
}

export function createContextFactory({ services, roleOf, development, pageGone }: ContextOptions) {
  return async ({ event }: { event: IpcEventLike }): Promise<Context> => {
    const sender = readSender(event, roleOf);
    return {
      sender,
      services,
      development,
      ...(pageGone && sender ? { pageGone: pageGone(sender.webContentsId) } : {}),
    };
  };
}
