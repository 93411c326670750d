/**
 * The fake `electron` module. vitest.config.ts aliases `electron` to this file, so product code and
 * the REAL electron-trpc (createIPCHandler, exposeElectronTRPC) run against it in plain Node.
 *
 * Main-process API (same names and call shapes as Electron's, recording what they are asked):
 * - `app` (FakeApp): whenReady/isReady/markReady, requestSingleInstanceLock (answer with
 *   `app.singleInstanceLockAvailable`), simulateSecondInstance(argv), getVersion (`app.version`),
 *   `app.isPackaged`, getPath/setPath, quit/exit/relaunch/focus, setLoginItemSettings; counts in `app.calls`.
 * - `BrowserWindow` (FakeBrowserWindow): `options` as given, ids, loadURL/loadFile, show/focus/close,
 *   kiosk/fullscreen flags, static getAllWindows/fromWebContents/fromId; emits `ready-to-show`;
 *   destroying the last open window emits `window-all-closed` on `app`.
 * - `webContents` of a window (FakeWebContents): `id`, `mainFrame` (FakeFrame), `loadedUrls`,
 *   `windowOpenHandler` + attemptWindowOpen(url), attemptNavigation(url, {kind}) emitting
 *   will-frame-navigate / will-navigate / will-redirect (performed unless prevented), `session`.
 * - `session.defaultSession` / `session.fromPartition(p)` (FakeSession): the permission, device,
 *   display-media handlers and webRequest listeners are stored; requestPermission()/checkPermission()
 *   call them as Electron would.
 * - `ipcMain` (FakeIpcMain, an EventEmitter with handle/removeHandler).
 * - `shell` (opened, external, openPathResult), `safeStorage` (available, backend; reversible fake
 *   cipher that throws like Electron when unavailable), `systemPreferences` (mediaAccess, askAnswers,
 *   trustedAccessibilityClient), `powerSaveBlocker`, `Menu`, `dialog`, `screen`, `desktopCapturer`,
 *   `protocol`, `net` (isOnline() answers `net.online`).
 *
 * Renderer side: `openRenderer(webContents, frame?)` returns a FakeRenderer (a page + its preload).
 * Run preload code with `renderer.runPreload(() => exposeElectronTRPC())`; `ipcRenderer` and
 * `contextBridge` act for that renderer, and what it exposed lands in `renderer.mainWorld`.
 * Run page code with `renderer.runInPage(() => createNativeClient())` (it sees `globalThis.electronTRPC`).
 * Messages travel through ipc-channel.ts: async, structured-cloned, with `event.senderFrame` read on
 * arrival; `renderer.setSenderFrame(null)` or `frame.dispose()` simulate a frame that went away.
 *
 * Call `resetFakeElectron()` in `beforeEach`: it replaces every object above with a fresh one.
 */
import { FakeApp } from './fake-app';
import { FakeFrame } from './fake-frame';
import { FakeRenderer, contextBridge, ipcRenderer, resetCurrentRenderer } from './fake-renderer';
import { FakeSessions } from './fake-session';
import {
  FakeDesktopCapturer,
  FakeDialog,
  FakeMenu,
  FakeNet,
  FakePowerSaveBlocker,
  FakeProtocol,
  FakeSafeStorage,
  FakeScreen,
  FakeShell,
  FakeSystemPreferences,
} from './fake-system';
import { FakeBrowserWindow, FakeWebContents } from './fake-windows';
import { FakeIpcMain } from './ipc-channel';

export { FakeApp, FakeBrowserWindow, FakeFrame, FakeRenderer, FakeWebContents, FakeIpcMain };
export { DISPOSED_FRAME_MESSAGE } from './fake-frame';

export let app = new FakeApp();
export let ipcMain = new FakeIpcMain();
export let session = new FakeSessions();
export let shell = new FakeShell();
export let safeStorage = new FakeSafeStorage();
export let systemPreferences = new FakeSystemPreferences();
export let powerSaveBlocker = new FakePowerSaveBlocker();
export let dialog = new FakeDialog();
export let screen = new FakeScreen();
export let desktopCapturer = new FakeDesktopCapturer();
export let protocol = new FakeProtocol();
export let net = new FakeNet();
export const BrowserWindow = FakeBrowserWindow;
export const Menu = FakeMenu;
export { contextBridge, ipcRenderer };

export const webContents = {
  getAllWebContents: (): FakeWebContents[] => FakeBrowserWindow.getAllWindows().map((w) => w.webContents),
  fromId: (id: number): FakeWebContents | undefined => webContents.getAllWebContents().find((wc) => wc.id === id),
};

function freshRegistry() {
  let windowId = 0;
  let webContentsId = 0;
  return {
    windows: [] as FakeBrowserWindow[],
    sessionFor: (partition: string | undefined) => session.fromPartition(partition ?? ''),
    nextWindowId: () => ++windowId,
    nextWebContentsId: () => ++webContentsId,
    allClosed: () => app.emit('window-all-closed', { preventDefault() {} }),
  };
}

export interface ResetOptions {
  /** Start with the app not yet ready (call `app.markReady()` later). Default: ready. */
  ready?: boolean;
  packaged?: boolean;
}

export function resetFakeElectron({ ready = true, packaged = false }: ResetOptions = {}): void {
  app = new FakeApp();
  app.isPackaged = packaged;
  if (ready) app.markReady();
  ipcMain = new FakeIpcMain();
  session = new FakeSessions();
  shell = new FakeShell();
  safeStorage = new FakeSafeStorage();
  systemPreferences = new FakeSystemPreferences();
  powerSaveBlocker = new FakePowerSaveBlocker();
  dialog = new FakeDialog();
  screen = new FakeScreen();
  desktopCapturer = new FakeDesktopCapturer();
  protocol = new FakeProtocol();
  net = new FakeNet();
  FakeMenu.applicationMenu = undefined;
  FakeBrowserWindow.registry = freshRegistry();
  resetCurrentRenderer();
}

/** A renderer (page + preload) in `webContents`, sending from `frame` (default: its main frame). */
export function openRenderer(target: FakeWebContents | FakeBrowserWindow, frame?: FakeFrame | null): FakeRenderer {
  const wc = target instanceof FakeBrowserWindow ? target.webContents : target;
  return new FakeRenderer(ipcMain, wc, frame === undefined ? wc.mainFrame : frame);
}

resetFakeElectron();

export default {
  get app() {
    return app;
  },
  get ipcMain() {
    return ipcMain;
  },
  get session() {
    return session;
  },
  get shell() {
    return shell;
  },
  get safeStorage() {
    return safeStorage;
  },
  get systemPreferences() {
    return systemPreferences;
  },
  get powerSaveBlocker() {
    return powerSaveBlocker;
  },
  get dialog() {
    return dialog;
  },
  get screen() {
    return screen;
  },
  get desktopCapturer() {
    return desktopCapturer;
  },
  get protocol() {
    return protocol;
  },
  get net() {
    return net;
  },
  BrowserWindow,
  Menu,
  contextBridge,
  ipcRenderer,
  webContents,
};
