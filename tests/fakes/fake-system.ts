import { EventEmitter } from 'node:events';

/** Small recorders for the rest of Electron's main-process API (see electron.ts for the overview). */

const CIPHER_PREFIX = 'fake-safe-storage:';

export class FakeSafeStorage {
  available = true;
  /** What getSelectedStorageBackend() reports on Linux, e.g. 'basic_text' when there is no keyring. */
  backend = 'gnome_libsecret';
  usePlainTextEncryption = false;

  isEncryptionAvailable(): boolean {
    return this.available;
  }
  getSelectedStorageBackend(): string {
    return this.backend;
  }
  setUsePlainTextEncryption(usePlainText: boolean): void {
    this.usePlainTextEncryption = usePlainText;
  }

  encryptString(plainText: string): Buffer {
    if (!this.available)
      throw new Error(
        'Error while encrypting the text provided to safeStorage.encryptString. Encryption is not available.',
      );
    return Buffer.from(CIPHER_PREFIX + Buffer.from(plainText, 'utf8').reverse().toString('base64'), 'utf8');
  }

  decryptString(encrypted: Buffer): string {
    if (!this.available)
      throw new Error(
        'Error while decrypting the ciphertext provided to safeStorage.decryptString. Decryption is not available.',
      );
    const text = encrypted.toString('utf8');
    if (!text.startsWith(CIPHER_PREFIX))
      throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return Buffer.from(this.#payload(text.slice(CIPHER_PREFIX.length)).body, 'base64')
      .reverse()
      .toString('utf8');
  }

  /** Key generation the async API encrypts with; rotateKey() makes older ciphertexts ask for re-encryption. */
  keyGeneration = 1;
  rotateKey(): void {
    this.keyGeneration += 1;
  }

  isAsyncEncryptionAvailable(): Promise<boolean> {
    return Promise.resolve(this.available);
  }

  encryptStringAsync(plainText: string): Promise<Buffer> {
    return new Promise((resolve) => {
      const body = this.encryptString(plainText).toString('utf8').slice(CIPHER_PREFIX.length);
      resolve(Buffer.from(`${CIPHER_PREFIX}g${this.keyGeneration}:${body}`, 'utf8'));
    });
  }

  decryptStringAsync(encrypted: Buffer): Promise<{ shouldReEncrypt: boolean; result: string }> {
    return new Promise((resolve) => {
      const result = this.decryptString(encrypted);
      const { generation } = this.#payload(encrypted.toString('utf8').slice(CIPHER_PREFIX.length));
      resolve({ shouldReEncrypt: generation < this.keyGeneration, result });
    });
  }

  /** Ciphertexts of the sync API carry no generation (generation 1). */
  #payload(text: string): { generation: number; body: string } {
    const tagged = /^g(\d+):(.*)$/s.exec(text);
    return tagged ? { generation: Number(tagged[1]), body: tagged[2]! } : { generation: 1, body: text };
  }
}

export class FakeShell {
  readonly opened: string[] = [];
  readonly external: string[] = [];
  /** What openPath resolves with: '' for success, else Electron's error text. */
  openPathResult = '';
  openPath(target: string): Promise<string> {
    this.opened.push(target);
    return Promise.resolve(this.openPathResult);
  }
  openExternal(url: string): Promise<void> {
    this.external.push(url);
    return Promise.resolve();
  }
  showItemInFolder(target: string): void {
    this.opened.push(target);
  }
}

export type MediaAccessStatus = 'not-determined' | 'granted' | 'denied' | 'restricted' | 'unknown';

export class FakeSystemPreferences extends EventEmitter {
  mediaAccess: Record<string, MediaAccessStatus> = {
    camera: 'not-determined',
    microphone: 'not-determined',
    screen: 'not-determined',
  };
  /** What askForMediaAccess resolves with, per kind. */
  askAnswers: Record<string, boolean> = { camera: true, microphone: true };
  trustedAccessibilityClient = false;
  readonly asked: string[] = [];
  readonly accessibilityPrompts: boolean[] = [];

  getMediaAccessStatus(kind: string): MediaAccessStatus {
    return this.mediaAccess[kind] ?? 'unknown';
  }
  askForMediaAccess(kind: string): Promise<boolean> {
    this.asked.push(kind);
    const granted = this.askAnswers[kind] ?? false;
    this.mediaAccess[kind] = granted ? 'granted' : 'denied';
    return Promise.resolve(granted);
  }
  isTrustedAccessibilityClient(prompt: boolean): boolean {
    this.accessibilityPrompts.push(prompt);
    return this.trustedAccessibilityClient;
  }
}

export class FakePowerSaveBlocker {
  readonly active = new Map<number, string>();
  #nextId = 1;
  start(type: string): number {
    const id = this.#nextId++;
    this.active.set(id, type);
    return id;
  }
  stop(id: number): boolean {
    return this.active.delete(id);
  }
  isStarted(id: number): boolean {
    return this.active.has(id);
  }
}

export class FakeMenu {
  static applicationMenu: FakeMenu | null | undefined = undefined;
  constructor(readonly template: unknown[] = []) {}
  static buildFromTemplate(template: unknown[]): FakeMenu {
    return new FakeMenu(template);
  }
  static setApplicationMenu(menu: FakeMenu | null): void {
    FakeMenu.applicationMenu = menu;
  }
  static getApplicationMenu(): FakeMenu | null {
    return FakeMenu.applicationMenu ?? null;
  }
}

export class FakeDialog {
  readonly errorBoxes: Array<{ title: string; content: string }> = [];
  readonly messageBoxes: unknown[] = [];
  messageBoxResponse = 0;
  showErrorBox(title: string, content: string): void {
    this.errorBoxes.push({ title, content });
  }
  showMessageBox(...args: unknown[]): Promise<{ response: number; checkboxChecked: boolean }> {
    this.messageBoxes.push(args.at(-1));
    return Promise.resolve({ response: this.messageBoxResponse, checkboxChecked: false });
  }
  showMessageBoxSync(...args: unknown[]): number {
    this.messageBoxes.push(args.at(-1));
    return this.messageBoxResponse;
  }
}

const PRIMARY_DISPLAY = {
  id: 1,
  bounds: { x: 0, y: 0, width: 1920, height: 1080 },
  workArea: { x: 0, y: 0, width: 1920, height: 1050 },
  size: { width: 1920, height: 1080 },
  workAreaSize: { width: 1920, height: 1050 },
  scaleFactor: 1,
  rotation: 0,
  internal: true,
};

export class FakeScreen extends EventEmitter {
  displays = [PRIMARY_DISPLAY];
  getPrimaryDisplay() {
    return this.displays[0] ?? PRIMARY_DISPLAY;
  }
  getAllDisplays() {
    return [...this.displays];
  }
}

export class FakeDesktopCapturer {
  sources: Array<{ id: string; name: string }> = [{ id: 'screen:1:0', name: 'Entire screen' }];
  readonly requests: unknown[] = [];
  getSources(options: unknown): Promise<Array<{ id: string; name: string }>> {
    this.requests.push(options);
    return Promise.resolve([...this.sources]);
  }
}

/** Electron's `net`: only `isOnline()`, answering `online`. */
export class FakeNet {
  online = true;
  isOnline(): boolean {
    return this.online;
  }
}

export class FakeProtocol {
  readonly privileged: unknown[] = [];
  readonly handlers = new Map<string, (request: Request) => Response | Promise<Response>>();
  registerSchemesAsPrivileged(schemes: unknown[]): void {
    this.privileged.push(...schemes);
  }
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void {
    this.handlers.set(scheme, handler);
  }
  unhandle(scheme: string): void {
    this.handlers.delete(scheme);
  }
  isProtocolHandled(scheme: string): boolean {
    return this.handlers.has(scheme);
  }
}
