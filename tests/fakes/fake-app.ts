import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';

/** Electron's `app`: lifecycle, single-instance lock, paths and login items, recorded for tests. */
export class FakeApp extends EventEmitter {
  isPackaged = false;
  name = 'Aether';
  version = '0.1.0';
  /** What requestSingleInstanceLock() answers: false simulates a second instance. */
  singleInstanceLockAvailable = true;
  readonly calls = {
    requestSingleInstanceLock: 0,
    quit: 0,
    exit: [] as number[],
    relaunch: [] as unknown[],
    focus: 0,
    loginItemSettings: [] as unknown[],
    switches: [] as Array<[string, string | undefined]>,
  };
  readonly paths = new Map<string, string>();
  #ready = false;
  #readyWaiters: Array<() => void> = [];

  readonly commandLine = {
    appendSwitch: (name: string, value?: string) => {
      this.calls.switches.push([name, value]);
    },
    hasSwitch: (name: string) => this.calls.switches.some(([n]) => n === name),
    getSwitchValue: (name: string) => this.calls.switches.find(([n]) => n === name)?.[1] ?? '',
  };

  readonly dock = { hide: () => {}, show: () => Promise.resolve(), setBadge: () => {} };

  /** Fires `ready` and resolves whenReady(); the fake starts ready unless reset with `{ ready: false }`. */
  markReady(): void {
    if (this.#ready) return;
    this.#ready = true;
    this.emit('ready');
    for (const resolve of this.#readyWaiters.splice(0)) resolve();
  }
  isReady(): boolean {
    return this.#ready;
  }
  whenReady(): Promise<void> {
    return this.#ready ? Promise.resolve() : new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  requestSingleInstanceLock(): boolean {
    this.calls.requestSingleInstanceLock += 1;
    return this.singleInstanceLockAvailable;
  }
  hasSingleInstanceLock(): boolean {
    return this.singleInstanceLockAvailable && this.calls.requestSingleInstanceLock > 0;
  }
  releaseSingleInstanceLock(): void {}

  /** What Electron does in the first instance when a second one starts. */
  simulateSecondInstance(argv: string[] = [], workingDirectory = process.cwd()): void {
    this.emit('second-instance', { preventDefault() {} }, argv, workingDirectory, null);
  }

  getVersion(): string {
    return this.version;
  }
  getName(): string {
    return this.name;
  }
  getAppPath(): string {
    return process.cwd();
  }
  getPath(name: string): string {
    return this.paths.get(name) ?? path.join(os.tmpdir(), 'aether-fake-electron', name);
  }
  setPath(name: string, value: string): void {
    this.paths.set(name, value);
  }
  getLocale(): string {
    return 'en-US';
  }

  quit(): void {
    this.calls.quit += 1;
    this.emit('before-quit', { preventDefault() {} });
    this.emit('will-quit', { preventDefault() {} });
  }
  exit(code = 0): void {
    this.calls.exit.push(code);
  }
  relaunch(options?: unknown): void {
    this.calls.relaunch.push(options ?? null);
  }
  focus(): void {
    this.calls.focus += 1;
  }
  setLoginItemSettings(settings: unknown): void {
    this.calls.loginItemSettings.push(settings);
  }
  getLoginItemSettings(): { openAtLogin: boolean } {
    const last = this.calls.loginItemSettings.at(-1) as { openAtLogin?: boolean } | undefined;
    return { openAtLogin: last?.openAtLogin === true };
  }
}
