import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import { ArgumentError, parseDesktopArgs } from '../apps/desktop/argv';
import { chooseSecretStore } from '../apps/desktop/secret-store.electron';
import { openSplashWindow } from '../apps/desktop/splash-window';
import { startApp } from '../apps/desktop/startup';
import { identityView } from '../core/identity';
import type { BootstrapState } from '../provisioning/bootstrap-state';
import { app, BrowserWindow, resetFakeElectron, safeStorage, type FakeBrowserWindow } from './fakes/electron';
import { captureLogger, DEMO_DEVICE } from './fakes/services';

const run = promisify(execFile);
beforeEach(() => resetFakeElectron());

const SECURE = { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false };
const TARGET = 'https://summit.example-events.com/events/ev_2026_summit/launcher/loc_ballroom_a';
const identity = {
  seedPath: '/s.json',
  device: DEMO_DEVICE,
  siteDomain: null,
  allowedOrigins: ['https://summit.example-events.com'],
  targetUrl: TARGET,
  api: 'http://127.0.0.1:1',
};

function harness(outcome: BootstrapState = { kind: 'ready', api: 'http://127.0.0.1:1', identity }) {
  const order: string[] = [];
  const roles = new Map<number, string>();
  const windows: { splash?: FakeBrowserWindow; kiosk?: FakeBrowserWindow } = {};
  const prepare = async () => ({
    openSplash: () => {
      order.push('splash');
      const w = openSplashWindow({
        preload: '/dist/preload.cjs',
        splashFile: '/dist/splash/index.html',
        packaged: true,
        register: (win) => roles.set(win.webContents.id, 'splash'),
      });
      windows.splash = w as unknown as FakeBrowserWindow;
      return w;
    },
    start: async () => {
      order.push('bootstrap');
      return identityView(outcome, { seedMissing: false, searched: [] });
    },
    openKiosk: async (id: typeof identity) => {
      order.push('kiosk');
      const w = new BrowserWindow({ webPreferences: { ...SECURE, preload: '/dist/preload.cjs' } });
      roles.set(w.webContents.id, 'kiosk');
      await w.loadURL(id.targetUrl);
      windows.kiosk = w;
      return w as never;
    },
  });
  return {
    order,
    roles,
    windows,
    start: () => startApp({ app: app as never, logger: captureLogger().logger, prepare: prepare as never }),
  };
}

describe('startup order (driven with the fake electron)', () => {
  it('takes the single-instance lock, shows the splash before bootstrap, then the kiosk on the target URL', async () => {
    const h = harness();
    const started = await h.start();
    expect(app.calls.requestSingleInstanceLock).toBe(1);
    expect(h.order).toEqual(['splash', 'bootstrap', 'kiosk']);
    expect(h.windows.kiosk?.webContents.loadedUrls).toEqual([TARGET]);
    expect(h.windows.splash?.isDestroyed()).toBe(true);
    expect(started?.kiosk).toBe(h.windows.kiosk);
  });

  it('creates the splash with the secured webPreferences, registered before its page loads', async () => {
    const h = harness();
    await h.start();
    expect(h.windows.splash?.options.webPreferences).toMatchObject({ ...SECURE, preload: '/dist/preload.cjs' });
    expect(h.roles.get(h.windows.splash!.webContents.id)).toBe('splash');
    expect(h.windows.splash?.webContents.loadedUrls).toEqual(['file:///dist/splash/index.html']);
  });

  it('quits at once when another instance holds the lock, opening nothing', async () => {
    app.singleInstanceLockAvailable = false;
    const h = harness();
    await expect(h.start()).resolves.toBeNull();
    expect(app.calls.quit).toBe(1);
    expect(h.order).toEqual([]);
  });

  it('focuses the kiosk when a second instance starts', async () => {
    const h = harness();
    await h.start();
    h.windows.kiosk!.focused = false;
    h.windows.kiosk!.minimize();
    app.simulateSecondInstance(['--demo']);
    expect(h.windows.kiosk!.isMinimized()).toBe(false);
    expect(h.windows.kiosk!.isFocused()).toBe(true);
  });

  it('keeps the splash and opens no kiosk when bootstrap stops without an identity', async () => {
    const h = harness({
      kind: 'failed',
      failure: { code: 'stopped' },
      reason: 'stopped while waiting for a seed',
      retryAt: null,
    });
    const started = await h.start();
    expect(h.order).toEqual(['splash', 'bootstrap']);
    expect(started?.kiosk).toBeNull();
    expect(h.windows.splash?.isDestroyed()).toBe(false);
  });
});

describe('command line', () => {
  it('parses --seed, --demo and --windowed and ignores Chromium flags', () => {
    expect(parseDesktopArgs(['--seed', '/s.json', '--demo', '--no-sandbox'])).toEqual({
      seed: '/s.json',
      demo: true,
      windowed: false,
    });
    expect(parseDesktopArgs(['--seed=/x.json', '--windowed'])).toEqual({
      seed: '/x.json',
      demo: false,
      windowed: true,
    });
  });
  it('explains a --seed without a path', () => {
    expect(() => parseDesktopArgs(['--seed'])).toThrow(ArgumentError);
    expect(() => parseDesktopArgs(['--seed', '--demo'])).toThrow(/--seed needs a path/);
  });
});

describe('the JWT store', () => {
  it('keeps secrets encrypted on disk with safeStorage and reads them back', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'aether-secrets-'));
    try {
      const { store, note } = chooseSecretStore(dir, safeStorage as never, captureLogger().logger);
      expect(note.encrypted).toBe(true);
      await store.set('aether.session', 'eyJ.secret.jwt');
      const raw = await readFile(path.join(dir, 'aether.session.bin'), 'utf8');
      expect(raw).not.toContain('eyJ.secret.jwt');
      await expect(store.get('aether.session')).resolves.toBe('eyJ.secret.jwt');
      await store.delete('aether.session');
      await expect(store.get('aether.session')).resolves.toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('falls back to memory, says so, when the OS cannot encrypt', () => {
    safeStorage.available = false;
    const capture = captureLogger();
    const { note } = chooseSecretStore('/nonexistent', safeStorage as never, capture.logger);
    expect(note.encrypted).toBe(false);
    expect(capture.messages().some((m) => m.includes('memory only'))).toBe(true);
  });
});

describe('the build', () => {
  it('bundles main, preload and splash; the preload requires nothing but electron', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'aether-build-'));
    try {
      await run(process.execPath, ['scripts/build.mjs'], { env: { ...process.env, AETHER_BUILD_OUT: out } });
      const preload = await readFile(path.join(out, 'preload.cjs'), 'utf8');
      expect([...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])).toEqual(['electron']);
      expect(preload).toContain('exposeInMainWorld');
      expect(await readFile(path.join(out, 'main.cjs'), 'utf8')).toContain('require("electron")');
      expect(await readFile(path.join(out, 'splash', 'index.html'), 'utf8')).toContain('splash.js');
      expect(await readFile(path.join(out, 'splash', 'splash.js'), 'utf8')).not.toMatch(/require\(/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
