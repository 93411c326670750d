import { EventEmitter } from 'node:events';
import type { FakeFrame } from './fake-frame';

/**
 * The in-process IPC wire between a renderer endpoint and the fake ipcMain. Both directions are
 * asynchronous and structured-cloned, as Electron's IPC is, so a procedure returning something that
 * cannot cross the real wire (a function, a class instance's methods) fails here too.
 * Used by the in-process renderer (fake-renderer.ts) and by the headless-Chromium e2e, whose page
 * reaches main through Playwright bindings.
 */
export interface RendererEndpoint {
  /** The webContents the messages come from (its id is what the bridge's role table looks up). */
  readonly webContents: { readonly id: number; isDestroyed(): boolean };
  /** The frame a message is sent from, read when the message arrives; null = the frame is gone. */
  senderFrame(): FakeFrame | null;
  /** Main → renderer: called with each reply. */
  deliver(channel: string, payload: unknown): void;
}

/** The main-process side: Electron's ipcMain is an EventEmitter with invoke handlers on top. */
export class FakeIpcMain extends EventEmitter {
  readonly handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  handle(channel: string, handler: (event: unknown, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  handleOnce(channel: string, handler: (event: unknown, ...args: unknown[]) => unknown): void {
    this.handle(channel, (event, ...args) => {
      this.handlers.delete(channel);
      return handler(event, ...args);
    });
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Builds the IpcMainEvent Electron would hand to ipcMain listeners for a message from `from`. */
export function createIpcMainEvent(from: RendererEndpoint) {
  const event = {
    type: 'frame' as const,
    processId: 1,
    frameId: 0,
    sender: from.webContents,
    ports: [] as unknown[],
    returnValue: undefined as unknown,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
    reply(channel: string, payload: unknown) {
      if (from.webContents.isDestroyed()) return;
      const copy = clone(payload);
      setImmediate(() => from.deliver(channel, copy));
    },
  };
  // Electron defines senderFrame as a non-configurable getter that looks the frame up on each read.
  Object.defineProperty(event, 'senderFrame', { get: () => from.senderFrame(), enumerable: true });
  return event as typeof event & { readonly senderFrame: FakeFrame | null };
}

/** Renderer → main: what `ipcRenderer.send(channel, ...args)` does, asynchronously. */
export function sendToMain(ipcMain: FakeIpcMain, from: RendererEndpoint, channel: string, args: unknown[]): void {
  const copy = clone(args);
  setImmediate(() => ipcMain.emit(channel, createIpcMainEvent(from), ...copy));
}
