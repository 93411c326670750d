import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import { FakeFrame } from './fake-frame';
import type { FakeSession } from './fake-session';

/** Creates and tracks windows; one per fake-electron reset. */
export interface WindowRegistry {
  windows: FakeBrowserWindow[];
  sessionFor(partition: string | undefined): FakeSession;
  nextWebContentsId(): number;
  nextWindowId(): number;
  /** Electron's `window-all-closed` on the app, when the last open window is destroyed. */
  allClosed?(): void;
}

type WindowOpenHandler = (details: {
  url: string;
  frameName: string;
  features: string;
  disposition: string;
  referrer: unknown;
  postBody?: unknown;
}) => { action: 'allow' | 'deny'; overrideBrowserWindowOptions?: unknown };

function navigationEvent(url: string, frame: FakeFrame | null, isMainFrame: boolean) {
  const event = {
    url,
    isSameDocument: false,
    isMainFrame,
    frame,
    initiator: undefined,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

export class FakeWebContents extends EventEmitter {
  readonly id: number;
  readonly mainFrame = new FakeFrame();
  readonly loadedUrls: string[] = [];
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  windowOpenHandler: WindowOpenHandler | null = null;
  devToolsOpened = false;
  #destroyed = false;

  constructor(
    id: number,
    readonly session: FakeSession,
  ) {
    super();
    this.id = id;
  }

  /** A stand-in image: a real, tiny PNG whatever the window shows (no renderer here). */
  capturePage(): Promise<{ resize(options: { width: number }): { toPNG(): Buffer }; toPNG(): Buffer }> {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const image = { toPNG: () => png, resize: () => image };
    return Promise.resolve(image);
  }

  loadURL(url: string): Promise<void> {
    this.loadedUrls.push(url);
    this.mainFrame.navigate(url);
    const details = navigationEvent(url, this.mainFrame, true);
    this.emit('did-start-navigation', details, url, false, true, 1, this.mainFrame.routingId);
    return new Promise((resolve) =>
      setImmediate(() => {
        if (this.#destroyed) return resolve();
        this.emit('dom-ready');
        this.emit('did-finish-load');
        resolve();
      }),
    );
  }

  loadFile(filePath: string, options: { query?: Record<string, string>; hash?: string } = {}): Promise<void> {
    const url = pathToFileURL(filePath);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
    if (options.hash) url.hash = options.hash;
    return this.loadURL(url.href);
  }

  getURL(): string {
    return this.loadedUrls.at(-1) ?? '';
  }

  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }

  /** What the window-open handler decides for `window.open(url)`; Electron allows when none is set. */
  attemptWindowOpen(url: string, disposition = 'new-window'): 'allow' | 'deny' {
    const handler = this.windowOpenHandler;
    if (!handler) return 'allow';
    return handler({ url, frameName: '', features: '', disposition, referrer: { url: '', policy: 'default' } }).action;
  }

  /**
   * A navigation the page starts (link, location assignment, redirect): emits `will-frame-navigate`
   * and `will-navigate` (or `will-redirect`), and performs it unless a listener prevented it.
   */
  attemptNavigation(
    url: string,
    {
      kind = 'will-navigate',
      frame = this.mainFrame,
    }: { kind?: 'will-navigate' | 'will-redirect'; frame?: FakeFrame } = {},
  ): { prevented: boolean } {
    const isMainFrame = frame === this.mainFrame;
    const details = navigationEvent(url, frame, isMainFrame);
    this.emit('will-frame-navigate', details);
    if (isMainFrame) this.emit(kind, details, url, false, true);
    if (!details.defaultPrevented && isMainFrame) void this.loadURL(url);
    return { prevented: details.defaultPrevented };
  }

  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }

  isDestroyed(): boolean {
    return this.#destroyed;
  }
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.mainFrame.dispose();
    this.emit('destroyed');
  }
  openDevTools(): void {
    this.devToolsOpened = true;
  }
  closeDevTools(): void {
    this.devToolsOpened = false;
  }
  isDevToolsOpened(): boolean {
    return this.devToolsOpened;
  }
  reload(): void {
    void this.loadURL(this.getURL());
  }
  focus(): void {
    this.emit('focus');
  }
  executeJavaScript(): Promise<unknown> {
    return Promise.resolve(undefined);
  }
  getOSProcessId(): number {
    return process.pid;
  }
  setAudioMuted(): void {}
  setBackgroundThrottling(): void {}
}

export class FakeBrowserWindow extends EventEmitter {
  static registry: WindowRegistry;

  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.registry.windows.filter((w) => !w.isDestroyed());
  }
  static fromWebContents(webContents: unknown): FakeBrowserWindow | null {
    return FakeBrowserWindow.getAllWindows().find((w) => w.webContents === webContents) ?? null;
  }
  static fromId(id: number): FakeBrowserWindow | null {
    return FakeBrowserWindow.getAllWindows().find((w) => w.id === id) ?? null;
  }
  static getFocusedWindow(): FakeBrowserWindow | null {
    return FakeBrowserWindow.getAllWindows().find((w) => w.focused) ?? null;
  }

  readonly id: number;
  readonly webContents: FakeWebContents;
  /** The options the window was created with, as given. */
  readonly options: Record<string, any>;
  visible: boolean;
  focused = false;
  minimized = false;
  kiosk: boolean;
  fullScreen: boolean;
  simpleFullScreen = false;
  alwaysOnTop: boolean;
  title: string;
  bounds = { x: 0, y: 0, width: 800, height: 600 };
  menuBarVisible = true;
  #destroyed = false;

  constructor(options: Record<string, any> = {}) {
    super();
    const registry = FakeBrowserWindow.registry;
    this.options = options;
    this.id = registry.nextWindowId();
    this.webContents = new FakeWebContents(
      registry.nextWebContentsId(),
      registry.sessionFor(options.webPreferences?.partition),
    );
    this.visible = options.show !== false;
    this.kiosk = options.kiosk === true;
    this.fullScreen = options.fullscreen === true;
    this.alwaysOnTop = options.alwaysOnTop === true;
    this.title = options.title ?? '';
    this.webContents.on('did-finish-load', () => this.emit('ready-to-show'));
    registry.windows.push(this);
  }

  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url);
  }
  loadFile(filePath: string, options?: { query?: Record<string, string>; hash?: string }): Promise<void> {
    return this.webContents.loadFile(filePath, options);
  }
  show(): void {
    this.visible = true;
    this.focused = true;
    this.emit('show');
  }
  showInactive(): void {
    this.visible = true;
    this.emit('show');
  }
  hide(): void {
    this.visible = false;
    this.emit('hide');
  }
  focus(): void {
    this.focused = true;
    this.emit('focus');
  }
  blur(): void {
    this.focused = false;
    this.emit('blur');
  }
  isVisible(): boolean {
    return this.visible;
  }
  isFocused(): boolean {
    return this.focused;
  }
  minimize(): void {
    this.minimized = true;
    this.emit('minimize');
  }
  restore(): void {
    this.minimized = false;
    this.emit('restore');
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  moveTop(): void {}
  setKiosk(flag: boolean): void {
    this.kiosk = flag;
  }
  isKiosk(): boolean {
    return this.kiosk;
  }
  setFullScreen(flag: boolean): void {
    this.fullScreen = flag;
  }
  isFullScreen(): boolean {
    return this.fullScreen;
  }
  setSimpleFullScreen(flag: boolean): void {
    this.simpleFullScreen = flag;
  }
  isSimpleFullScreen(): boolean {
    return this.simpleFullScreen;
  }
  setAlwaysOnTop(flag: boolean): void {
    this.alwaysOnTop = flag;
  }
  isAlwaysOnTop(): boolean {
    return this.alwaysOnTop;
  }
  setTitle(title: string): void {
    this.title = title;
  }
  getTitle(): string {
    return this.title;
  }
  setBounds(bounds: Partial<typeof this.bounds>): void {
    this.bounds = { ...this.bounds, ...bounds };
  }
  getBounds(): typeof this.bounds {
    return { ...this.bounds };
  }
  setMenuBarVisibility(visible: boolean): void {
    this.menuBarVisible = visible;
  }
  setAutoHideMenuBar(): void {}
  removeMenu(): void {
    this.menuBarVisible = false;
  }
  setVisibleOnAllWorkspaces(): void {}
  setClosable(): void {}
  setContentProtection(): void {}

  /** Emits `close` (listeners may preventDefault), then destroys unless prevented. */
  close(): void {
    const event = {
      defaultPrevented: false,
      preventDefault() {
        event.defaultPrevented = true;
      },
    };
    this.emit('close', event);
    if (!event.defaultPrevented) this.destroy();
  }
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.webContents.destroy();
    this.emit('closed');
    if (FakeBrowserWindow.getAllWindows().length === 0) FakeBrowserWindow.registry.allClosed?.();
  }
  isDestroyed(): boolean {
    return this.#destroyed;
  }
}
