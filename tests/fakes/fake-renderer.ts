import { sendToMain, type FakeIpcMain, type RendererEndpoint } from './ipc-channel';
import type { FakeFrame } from './fake-frame';

type RendererListener = (event: { sender: unknown }, ...args: unknown[]) => void;

/**
 * One simulated renderer (a page plus its preload) living in the test process. `ipcRenderer` and
 * `contextBridge` of the fake module act for the renderer whose preload is running (`runPreload`);
 * what the preload exposes keeps acting for that renderer, as the real contextBridge's proxies do.
 */
export class FakeRenderer implements RendererEndpoint {
  /** What the page sees as `window`: everything exposed through contextBridge.exposeInMainWorld. */
  readonly mainWorld: Record<string, unknown> = {};
  readonly #listeners = new Map<string, Set<RendererListener>>();
  #frame: FakeFrame | null;

  constructor(
    readonly ipcMain: FakeIpcMain,
    readonly webContents: { readonly id: number; isDestroyed(): boolean },
    frame: FakeFrame | null,
  ) {
    this.#frame = frame;
  }

  senderFrame(): FakeFrame | null {
    return this.#frame;
  }

  /** Makes later messages come from another frame, or from none (`null`: the frame went away). */
  setSenderFrame(frame: FakeFrame | null): void {
    this.#frame = frame;
  }

  deliver(channel: string, payload: unknown): void {
    for (const listener of this.#listeners.get(channel) ?? []) listener({ sender: null }, payload);
  }

  send(channel: string, args: unknown[]): void {
    sendToMain(this.ipcMain, this, channel, args);
  }

  addListener(channel: string, listener: RendererListener): void {
    const set = this.#listeners.get(channel) ?? new Set();
    set.add(listener);
    this.#listeners.set(channel, set);
  }

  removeListener(channel: string, listener: RendererListener): void {
    this.#listeners.get(channel)?.delete(listener);
  }

  listenerCount(channel: string): number {
    return this.#listeners.get(channel)?.size ?? 0;
  }

  /** Runs preload code (e.g. the real `exposeElectronTRPC`) with this renderer as the current one. */
  runPreload<T>(preload: () => T): T {
    return runAs(this, preload);
  }

  /**
   * Runs page code with `globalThis` showing this renderer's main world (electron-trpc's ipcLink
   * reads `globalThis.electronTRPC`), restoring the previous globals afterwards.
   */
  runInPage<T>(page: () => T): T {
    const saved = new Map<string, PropertyDescriptor | undefined>();
    for (const key of Object.keys(this.mainWorld)) {
      saved.set(key, Object.getOwnPropertyDescriptor(globalThis, key));
      Object.defineProperty(globalThis, key, { value: this.mainWorld[key], configurable: true, writable: true });
    }
    try {
      return page();
    } finally {
      for (const [key, descriptor] of saved) {
        if (descriptor) Object.defineProperty(globalThis, key, descriptor);
        else delete (globalThis as Record<string, unknown>)[key];
      }
    }
  }
}

let current: FakeRenderer | null = null;

function runAs<T>(renderer: FakeRenderer, fn: () => T): T {
  const previous = current;
  current = renderer;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

export function resetCurrentRenderer(): void {
  current = null;
}

function currentRenderer(api: string): FakeRenderer {
  if (!current)
    throw new Error(`fake electron: ${api} was used outside a renderer; run the code inside renderer.runPreload(...)`);
  return current;
}

/** Functions crossing the bridge keep running as the renderer that exposed them. */
function bindToRenderer(value: unknown, owner: FakeRenderer): unknown {
  if (typeof value === 'function')
    return (...args: unknown[]) => runAs(owner, () => (value as (...a: unknown[]) => unknown)(...args));
  if (value && typeof value === 'object') {
    return Object.freeze(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bindToRenderer(v, owner)])));
  }
  return value;
}

export const ipcRenderer = {
  send(channel: string, ...args: unknown[]): void {
    currentRenderer('ipcRenderer.send').send(channel, args);
  },
  on(channel: string, listener: RendererListener) {
    currentRenderer('ipcRenderer.on').addListener(channel, listener);
    return ipcRenderer;
  },
  once(channel: string, listener: RendererListener) {
    const renderer = currentRenderer('ipcRenderer.once');
    const wrapped: RendererListener = (event, ...args) => {
      renderer.removeListener(channel, wrapped);
      listener(event, ...args);
    };
    renderer.addListener(channel, wrapped);
    return ipcRenderer;
  },
  removeListener(channel: string, listener: RendererListener) {
    currentRenderer('ipcRenderer.removeListener').removeListener(channel, listener);
    return ipcRenderer;
  },
};

export const contextBridge = {
  exposeInMainWorld(key: string, api: unknown): void {
    const owner = currentRenderer('contextBridge.exposeInMainWorld');
    if (key in owner.mainWorld)
      throw new Error(`Cannot bind an API on top of an existing property on the window object: ${key}`);
    owner.mainWorld[key] = bindToRenderer(api, owner);
  },
};
