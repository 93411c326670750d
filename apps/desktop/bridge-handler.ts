import type { BrowserWindow, IpcMain } from 'electron';
import { createIPCHandler, ELECTRON_TRPC_CHANNEL } from 'electron-trpc/main';
import type { IpcEventLike } from '../../router/context';
import type { AppRouter } from '../../router/index';
import type { Context } from '../../router/trpc';

/**
 * electron-trpc 0.7.1 with two guards around the frame reads it does without a null check:
 *
 * 1. Every IPC message: it builds a subscription key from `event.senderFrame.routingId` before
 *    anything else. senderFrame is null once the frame navigated away, and any read of a disposed
 *    frame throws "Render frame was disposed before WebFrameMain could be accessed"; either way the
 *    throw escapes the ipcMain listener (an uncaught main-process exception) and the call never
 *    answers. The guard hands electron-trpc a stand-in frame with only a routingId; createContext
 *    then finds no origin/url, makes the sender `null`, and the sender check answers FORBIDDEN.
 * 2. `did-start-navigation`: it reads `details.frame.routingId` to close the frame's subscriptions,
 *    but Electron types that frame `WebFrameMain | null` (null or disposed once it navigated or was
 *    destroyed). Same class of failure as superset-sh/superset#7335 (trpc-electron, a fork). The
 *    guard closes all of the webContents' subscriptions when its main frame can no longer be read
 *    (electron-trpc matches keys by prefix) and ignores unreadable subframes, which never hold
 *    subscriptions because the sender check refuses subframes.
 */

type IpcListener = (event: IpcEventLike, ...args: unknown[]) => void;
type IpcMainLike = Pick<IpcMain, 'on'>;

const GONE_FRAME = Object.freeze({ routingId: -1 });

function routingIdOf(frame: unknown): number | undefined {
  try {
    const id = (frame as { routingId?: unknown } | null | undefined)?.routingId;
    return typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}

function senderFrameRoutingId(event: IpcEventLike): number | undefined {
  try {
    return routingIdOf(event.senderFrame);
  } catch {
    return undefined;
  }
}

/** The event as is when its frame is readable, else a view of it whose senderFrame is GONE_FRAME. */
export function withReadableSenderFrame<E extends IpcEventLike>(event: E): E {
  if (senderFrameRoutingId(event) !== undefined) return event;
  const view = Object.create(event) as E;
  Object.defineProperty(view, 'senderFrame', { value: GONE_FRAME });
  return view;
}

type NavigationDetails = { isSameDocument?: boolean; isMainFrame?: boolean; frame?: unknown };
type NavigationListener = (details: NavigationDetails, ...rest: unknown[]) => void;

export function guardNavigationListener(listener: NavigationListener): NavigationListener {
  return (details, ...rest) => {
    if (details.isSameDocument) return listener(details, ...rest);
    const routingId = routingIdOf(details.frame);
    if (routingId !== undefined) return listener(details, ...rest);
    if (!details.isMainFrame) return undefined;
    return listener({ isSameDocument: false, isMainFrame: true, frame: { routingId: undefined } }, ...rest);
  };
}

/** A view of the window whose webContents registers guarded did-start-navigation listeners. */
function navigationSafeWindow(win: BrowserWindow): BrowserWindow {
  const contents = win.webContents;
  const bindTo = <T extends object>(target: T, value: unknown) =>
    typeof value === 'function' ? value.bind(target) : value;
  const safeContents: typeof contents = new Proxy(contents, {
    get(target, prop) {
      if (prop === 'on') {
        return (eventName: string, listener: NavigationListener) => {
          target.on(
            eventName as 'did-start-navigation',
            (eventName === 'did-start-navigation' ? guardNavigationListener(listener) : listener) as never,
          );
          return safeContents;
        };
      }
      return bindTo(target, Reflect.get(target, prop, target));
    },
  });
  return new Proxy(win, {
    get(target, prop) {
      if (prop === 'webContents') return safeContents;
      return bindTo(target, Reflect.get(target, prop, target));
    },
  });
}

export interface BridgeHandlerOptions {
  ipcMain: IpcMainLike;
  router: AppRouter;
  createContext: (opts: { event: IpcEventLike }) => Promise<Context>;
}

export interface BridgeHandler {
  attachWindow(win: BrowserWindow): void;
}

/** Every message on the bridge's channel reaches `listener` with a readable senderFrame (see guard 1 above). */
export function guardIpcListener(listener: IpcListener): IpcListener {
  return (event, ...args) => listener(withReadableSenderFrame(event), ...args);
}

/**
 * Runs `build` (electron-trpc's constructor) with an ipcMain whose `on` hands out guarded listeners
 * for the bridge's channel: the guard is in place from the listener's first message, without
 * reading electron-trpc's private state or the emitter's listener list. If electron-trpc ever stops
 * subscribing through `ipcMain.on` for its channel, the bridge refuses to start rather than run unguarded.
 */
function withGuardedChannel<T>(ipcMain: IpcMainLike, build: () => T): T {
  const own = Object.prototype.hasOwnProperty.call(ipcMain, 'on');
  const original = ipcMain.on;
  let guarded = 0;
  const on = function (this: unknown, channel: string, listener: IpcListener) {
    if (channel !== ELECTRON_TRPC_CHANNEL) return original.call(ipcMain, channel, listener as never);
    guarded += 1;
    return original.call(ipcMain, channel, guardIpcListener(listener) as never);
  };
  Object.defineProperty(ipcMain, 'on', { value: on, configurable: true, writable: true });
  let built: T;
  try {
    built = build();
  } finally {
    if (own) Object.defineProperty(ipcMain, 'on', { value: original, configurable: true, writable: true });
    else delete (ipcMain as { on?: unknown }).on;
  }
  if (guarded !== 1)
    throw new Error(
      `electron-trpc subscribed ${guarded} listeners on "${ELECTRON_TRPC_CHANNEL}" through ipcMain.on (expected 1); the bridge will not run without its frame guard`,
    );
  return built;
}

/** Starts serving the router over IPC; windows are attached as the composition root creates them. */
export function createBridgeHandler({ ipcMain, router, createContext }: BridgeHandlerOptions): BridgeHandler {
  const handler = withGuardedChannel(ipcMain, () => createIPCHandler({ router, createContext }));
  const views = new WeakMap<BrowserWindow, BrowserWindow>();
  return {
    attachWindow(win) {
      const view = views.get(win) ?? navigationSafeWindow(win);
      views.set(win, view);
      handler.attachWindow(view);
    },
  };
}
