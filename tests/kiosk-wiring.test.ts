import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as electron from 'electron';
import { beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { openKioskWindow } from '../apps/desktop/kiosk-window';
import { installNavigationLock, NavigationRefusedError } from '../apps/desktop/navigation-lock';
import { installPermissionHandlers } from '../apps/desktop/permission-handlers';
import { watchRenderer } from '../apps/desktop/renderer-watchdog';
import { createSecureWindow } from '../apps/desktop/secure-window';
import { createNavigationPolicy } from '../kiosk/navigation-policy';
import { KIOSK_PARTITION } from '../kiosk/window-policy';
import type { FakeBrowserWindow, FakeWebContents } from '../tests/fakes/electron';

const fake = electron as unknown as typeof import('./fakes/electron');
const LAUNCHER = 'https://summit.example-events.com';
const TARGET = `${LAUNCHER}/events/ev/launcher/loc`;
const PRELOAD = '/app/dist/preload.cjs';

const asElectron = <T>(value: unknown) => value as T;

function kiosk(platform: 'darwin' | 'linux' | 'win32' = 'darwin', packaged = true, argv: string[] = []) {
  return openKioskWindow({
    app: asElectron(fake.app),
    powerSaveBlocker: asElectron(fake.powerSaveBlocker),
    platform,
    packaged,
    argv,
    preload: PRELOAD,
    logger: silentLogger(),
  });
}

function lock(openRefusedLinksExternally = false) {
  const nav = installNavigationLock({
    app: asElectron(fake.app),
    logger: silentLogger(),
    openExternal: (url) => fake.shell.openExternal(url),
  });
  nav.setPolicy(createNavigationPolicy({ allowedOrigins: [LAUNCHER], packaged: true, openRefusedLinksExternally }));
  return nav;
}

const windowOf = (k: ReturnType<typeof kiosk>) => k.window as unknown as FakeBrowserWindow;

beforeEach(() => fake.resetFakeElectron({ packaged: true }));

describe('kiosk window', () => {
  it('is created with the secured preferences and enters simple full screen on macOS when ready', async () => {
    const k = kiosk('darwin');
    const win = windowOf(k);
    expect(win.options.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webviewTag: false,
      devTools: false,
      partition: KIOSK_PARTITION,
      preload: PRELOAD,
    });
    expect(win.options).toMatchObject({ frame: false, kiosk: false, simpleFullscreen: true });
    await win.loadURL(TARGET);
    expect(win.isVisible()).toBe(true);
    expect(win.isSimpleFullScreen()).toBe(true);
  });

  it('blocks Cmd+W / Cmd+Q / reload, refuses close, keeps the display awake, and the ops chord escapes', () => {
    const k = kiosk('darwin');
    const win = windowOf(k);
    const press = (key: string, mods: Record<string, boolean> = {}) => {
      const event = {
        defaultPrevented: false,
        preventDefault() {
          event.defaultPrevented = true;
        },
      };
      win.webContents.emit('before-input-event', event, {
        type: 'keyDown',
        key,
        control: false,
        meta: false,
        alt: false,
        shift: false,
        ...mods,
      });
      return event.defaultPrevented;
    };
    expect([...fake.powerSaveBlocker.active.values()]).toEqual(['prevent-display-sleep']);
    expect(press('w', { meta: true })).toBe(true);
    expect(press('q', { meta: true })).toBe(true);
    expect(press('r', { meta: true })).toBe(true);
    expect(press('a')).toBe(false);
    win.close();
    expect(win.isDestroyed()).toBe(false);

    expect(press('k', { meta: true, alt: true, shift: true })).toBe(true);
    expect(k.isKiosk()).toBe(false);
    expect(fake.powerSaveBlocker.active.size).toBe(0);
    expect(press('w', { meta: true })).toBe(false);
    win.close();
    expect(win.isDestroyed()).toBe(true);
  });

  it('closes when the app quits (update swap, ops quit)', () => {
    const win = windowOf(kiosk('linux'));
    fake.app.quit();
    win.close();
    expect(win.isDestroyed()).toBe(true);
  });

  it('--windowed in development: a normal window, no guard, no power blocker', () => {
    fake.resetFakeElectron({ packaged: false });
    const k = kiosk('linux', false, ['--windowed']);
    expect(k.plan.mode).toBe('windowed');
    expect(fake.powerSaveBlocker.active.size).toBe(0);
    windowOf(k).close();
    expect(windowOf(k).isDestroyed()).toBe(true);
  });

  it('createSecureWindow cannot be talked out of the secured preferences', () => {
    const hostile = {
      preload: PRELOAD,
      partition: 'persist:x',
      packaged: true,
      nodeIntegration: true,
      sandbox: false,
      contextIsolation: false,
      webSecurity: false,
    };
    const win = createSecureWindow({ webPreferences: hostile }) as unknown as FakeBrowserWindow;
    expect(win.options.webPreferences).toMatchObject({
      nodeIntegration: false,
      sandbox: true,
      contextIsolation: true,
      webSecurity: true,
    });
  });
});

describe('no code path opens a window without the secured webPreferences', () => {
  const roots = ['apps', 'kiosk', 'router', 'provisioning', 'cache', 'update-helper'];
  const files = (dir: string): string[] => {
    try {
      return readdirSync(dir).flatMap((name) => {
        const full = path.join(dir, name);
        return statSync(full).isDirectory()
          ? files(full)
          : /\.(ts|mts|cts|js|mjs|cjs|svelte)$/.test(name)
            ? [full]
            : [];
      });
    } catch {
      return [];
    }
  };

  it('constructs BrowserWindow only in apps/desktop/secure-window.ts', () => {
    const offenders = roots
      .flatMap(files)
      .filter((file) => /new\s+(electron\.)?BrowserWindow\s*\(/.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([path.join('apps', 'desktop', 'secure-window.ts')]);
  });

  it('never sets a weakening webPreference anywhere in the source', () => {
    const weakening =
      /(nodeIntegration|nodeIntegrationInSubFrames|nodeIntegrationInWorker|allowRunningInsecureContent|experimentalFeatures|webviewTag|navigateOnDragDrop)\s*:\s*true|(contextIsolation|sandbox|webSecurity)\s*:\s*false|enableBlinkFeatures\s*:/;
    const offenders = roots.flatMap(files).filter((file) => weakening.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('navigation lock on every webContents', () => {
  function guardedContents(openExternally = false) {
    const nav = lock(openExternally);
    const win = windowOf(kiosk('linux'));
    fake.app.emit('web-contents-created', {}, win.webContents);
    return { nav, wc: win.webContents as FakeWebContents };
  }

  it('lets the launcher origin through and refuses look-alikes, schemes and redirects', () => {
    const { wc } = guardedContents();
    expect(wc.attemptNavigation(`${LAUNCHER}/events/ev/launcher/other`).prevented).toBe(false);
    for (const url of [
      'https://summit.example-events.com.evil.test/',
      'https://good@evil.test/',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'http://summit.example-events.com/',
    ]) {
      expect(wc.attemptNavigation(url).prevented, url).toBe(true);
    }
    expect(wc.attemptNavigation('https://evil.test/', { kind: 'will-redirect' }).prevented).toBe(true);
    expect(fake.shell.external).toEqual([]);
  });

  it('guards sub-frame navigations too', () => {
    const { wc } = guardedContents();
    const child = new fake.FakeFrame({ url: `${LAUNCHER}/frame`, parent: wc.mainFrame });
    expect(wc.attemptNavigation('https://ads.evil.test/', { frame: child }).prevented).toBe(true);
  });

  it('denies every window.open, even to the launcher origin', () => {
    const { wc } = guardedContents();
    expect(wc.attemptWindowOpen(TARGET)).toBe('deny');
    expect(wc.attemptWindowOpen('https://evil.test/')).toBe('deny');
  });

  it('opens refused https links in the OS browser only when configured', () => {
    const { wc } = guardedContents(true);
    wc.attemptNavigation('https://docs.example.org/help');
    wc.attemptWindowOpen('https://docs.example.org/popup');
    wc.attemptNavigation('file:///etc/passwd');
    expect(fake.shell.external).toEqual(['https://docs.example.org/help', 'https://docs.example.org/popup']);
  });

  it('refuses webviews and Bluetooth device pickers', () => {
    const { wc } = guardedContents();
    const event = {
      defaultPrevented: false,
      preventDefault() {
        event.defaultPrevented = true;
      },
    };
    wc.emit('will-attach-webview', event, {}, {});
    expect(event.defaultPrevented).toBe(true);
    let chosen: string | null = null;
    wc.emit('select-bluetooth-device', { preventDefault() {} }, [{ deviceId: 'x' }], (id: string) => (chosen = id));
    expect(chosen).toBe('');
  });

  it('validates the URL before every load, and refuses everything before the identity is known', async () => {
    const nav = installNavigationLock({
      app: asElectron(fake.app),
      logger: silentLogger(),
      openExternal: async () => {},
    });
    const win = windowOf(kiosk('linux'));
    await expect(nav.load(asElectron(win.webContents), TARGET)).rejects.toBeInstanceOf(NavigationRefusedError);
    nav.setPolicy(createNavigationPolicy({ allowedOrigins: [LAUNCHER], packaged: true }));
    await nav.load(asElectron(win.webContents), TARGET);
    await expect(nav.load(asElectron(win.webContents), 'https://evil.test/')).rejects.toThrow(
      /Refused to load https:\/\/evil\.test\/: foreign-origin/,
    );
    expect(win.webContents.loadedUrls).toEqual([TARGET]);
  });
});

describe('permission handlers on the kiosk session', () => {
  const allow = () => createNavigationPolicy({ allowedOrigins: [LAUNCHER], packaged: true }).allowList;

  it('grants camera/microphone to the launcher main frame only, denies everything else', async () => {
    const session = fake.session.fromPartition(KIOSK_PARTITION);
    installPermissionHandlers(asElectron(session), allow, silentLogger());
    const wc = {};
    expect(
      await session.requestPermission(wc, 'media', {
        requestingUrl: TARGET,
        isMainFrame: true,
        mediaTypes: ['video', 'audio'],
      }),
    ).toBe(true);
    expect(
      await session.requestPermission(wc, 'media', {
        requestingUrl: TARGET,
        isMainFrame: false,
        mediaTypes: ['video'],
      }),
    ).toBe(false);
    expect(
      await session.requestPermission(wc, 'media', {
        requestingUrl: 'https://evil.test/',
        isMainFrame: true,
        mediaTypes: ['video'],
      }),
    ).toBe(false);
    expect(await session.requestPermission(wc, 'media', { requestingUrl: TARGET, isMainFrame: true })).toBe(false);
    for (const permission of [
      'geolocation',
      'notifications',
      'display-capture',
      'clipboard-read',
      'openExternal',
      'fullscreen',
    ]) {
      expect(
        await session.requestPermission(wc, permission, { requestingUrl: TARGET, isMainFrame: true }),
        permission,
      ).toBe(false);
    }
    expect(session.checkPermission(wc, 'media', LAUNCHER, { isMainFrame: true, mediaType: 'audio' })).toBe(true);
    expect(session.checkPermission(wc, 'media', LAUNCHER, { isMainFrame: true, mediaType: 'unknown' })).toBe(false);
    expect(
      session.checkPermission(wc, 'media', LAUNCHER, {
        isMainFrame: true,
        mediaType: 'audio',
        embeddingOrigin: 'https://evil.test',
      }),
    ).toBe(false);
    expect(session.checkPermission(wc, 'hid', LAUNCHER, { isMainFrame: true })).toBe(false);
    expect(session.checkPermission(null, 'media', 'https://evil.test', { isMainFrame: true, mediaType: 'video' })).toBe(
      false,
    );
    expect(session.devicePermissionHandler?.({ deviceType: 'usb', origin: LAUNCHER })).toBe(false);
    let streams: unknown = 'untouched';
    session.displayMediaRequestHandler?.({ frame: null }, (s: unknown) => (streams = s));
    expect(streams).toBeNull();
  });
});

describe('renderer watchdog on a fake webContents', () => {
  it('reloads after a crash and shows the splash after the limit', async () => {
    const nav = lock();
    const win = windowOf(kiosk('darwin'));
    const wc = win.webContents;
    let crashes = 0;
    Object.assign(wc, { forcefullyCrashRenderer: () => void (crashes += 1) });
    const splash: string[] = [];
    let pending: (() => void) | null = null;
    const dog = watchRenderer({
      contents: asElectron(wc),
      logger: silentLogger(),
      load: (url) => nav.load(asElectron(wc), url),
      showSplash: (message) => splash.push(message),
      showKiosk: () => splash.push('kiosk'),
      isOnline: () => true,
      clock: { now: () => 0, setTimeout: (cb) => ((pending = cb), 1), clearTimeout: () => (pending = null) },
      config: {
        baseDelayMs: 1,
        maxDelayMs: 1,
        maxAttempts: 2,
        stableMs: 1_000,
        hangGraceMs: 1,
        offlineRetryMs: 1,
        gaveUpRetryMs: 1,
      },
    });
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    dog.start(TARGET);
    await settle();
    expect(dog.state().kind).toBe('healthy');
    for (let i = 0; i < 2; i += 1) {
      wc.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 1 });
      expect(dog.state().kind).toBe('backing-off');
      (pending as (() => void) | null)?.();
      await settle();
      expect(dog.state().kind).toBe('healthy');
    }
    wc.emit('unresponsive');
    (pending as (() => void) | null)?.();
    expect(crashes).toBe(1);
    expect(dog.state().kind).toBe('gave-up');
    expect(splash.filter((s) => s !== 'kiosk')).toEqual(['The launcher page stopped responding.']);
    expect(wc.loadedUrls).toEqual([TARGET, TARGET, TARGET]);
    wc.emit('did-fail-load', {}, -106, 'ERR_INTERNET_DISCONNECTED', TARGET, false);
    expect(dog.state().kind).toBe('gave-up');
    dog.stop();
  });
});
