type Handler = ((...args: any[]) => unknown) | null;

/** Electron's session: the permission and request hooks are stored so tests can call them. */
export class FakeSession {
  permissionRequestHandler: Handler = null;
  permissionCheckHandler: Handler = null;
  devicePermissionHandler: Handler = null;
  displayMediaRequestHandler: Handler = null;
  displayMediaOptions: unknown = null;
  readonly webRequestListeners = new Map<string, { filter: unknown; listener: Handler }>();
  readonly calls: Array<{ method: string; args: unknown[] }> = [];
  userAgent = 'FakeElectron/45';

  constructor(readonly partition: string) {}

  setPermissionRequestHandler(handler: Handler): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: Handler): void {
    this.permissionCheckHandler = handler;
  }
  setDevicePermissionHandler(handler: Handler): void {
    this.devicePermissionHandler = handler;
  }
  setDisplayMediaRequestHandler(handler: Handler, options?: unknown): void {
    this.displayMediaRequestHandler = handler;
    this.displayMediaOptions = options ?? null;
  }

  readonly webRequest = {
    onBeforeRequest: (...args: unknown[]) => this.#webRequest('onBeforeRequest', args),
    onBeforeSendHeaders: (...args: unknown[]) => this.#webRequest('onBeforeSendHeaders', args),
    onHeadersReceived: (...args: unknown[]) => this.#webRequest('onHeadersReceived', args),
    onBeforeRedirect: (...args: unknown[]) => this.#webRequest('onBeforeRedirect', args),
    onCompleted: (...args: unknown[]) => this.#webRequest('onCompleted', args),
    onErrorOccurred: (...args: unknown[]) => this.#webRequest('onErrorOccurred', args),
  };

  #webRequest(name: string, args: unknown[]): void {
    const [first, second] = args;
    if (typeof first === 'function' || first === null)
      this.webRequestListeners.set(name, { filter: null, listener: first as Handler });
    else this.webRequestListeners.set(name, { filter: first, listener: (second as Handler) ?? null });
  }

  /** Asks the permission request handler as Electron would; resolves with what it granted. */
  requestPermission(webContents: unknown, permission: string, details: Record<string, unknown> = {}): Promise<boolean> {
    const handler = this.permissionRequestHandler;
    if (!handler) return Promise.resolve(true);
    return new Promise((resolve) => handler(webContents, permission, resolve, details));
  }

  /** Asks the permission check handler as Electron would (no handler: Electron allows). */
  checkPermission(
    webContents: unknown,
    permission: string,
    requestingOrigin: string,
    details: Record<string, unknown> = {},
  ): boolean {
    const handler = this.permissionCheckHandler;
    return handler ? handler(webContents, permission, requestingOrigin, details) === true : true;
  }

  setProxy(config: unknown): Promise<void> {
    return this.#record('setProxy', [config]);
  }
  clearCache(): Promise<void> {
    return this.#record('clearCache', []);
  }
  clearStorageData(options?: unknown): Promise<void> {
    return this.#record('clearStorageData', [options]);
  }
  setSpellCheckerEnabled(enabled: boolean): void {
    this.calls.push({ method: 'setSpellCheckerEnabled', args: [enabled] });
  }
  setUserAgent(userAgent: string): void {
    this.userAgent = userAgent;
  }
  getUserAgent(): string {
    return this.userAgent;
  }

  #record(method: string, args: unknown[]): Promise<void> {
    this.calls.push({ method, args });
    return Promise.resolve();
  }
}

export class FakeSessions {
  readonly #byPartition = new Map<string, FakeSession>();
  readonly defaultSession = new FakeSession('');

  fromPartition(partition: string): FakeSession {
    if (partition === '') return this.defaultSession;
    const existing = this.#byPartition.get(partition);
    if (existing) return existing;
    const created = new FakeSession(partition);
    this.#byPartition.set(partition, created);
    return created;
  }
}
