import * as electron from 'electron';
import { beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { installNavigationLock } from '../apps/desktop/navigation-lock';
import { createRecoverySplash, NOTICE_PARAM, RETRY_AT_PARAM } from '../apps/desktop/recovery-splash';
import { installKioskSessionGuards, openWatchedKiosk } from '../apps/desktop/watched-kiosk';
import { createNavigationPolicy } from '../kiosk/navigation-policy';
import type { WatchdogConfig } from '../kiosk/watchdog';
import { KIOSK_PARTITION } from '../kiosk/window-policy';
import type { FakeBrowserWindow, FakeWebContents } from './fakes/electron';

const fake = electron as unknown as typeof import('./fakes/electron');
const as = <T>(value: unknown) => value as T;
const LAUNCHER = 'https://summit.example-events.com';
const TARGET = `${LAUNCHER}/events/ev/launcher/loc`;
const SPLASH_FILE = '/app/dist/splash/index.html';
const CONFIG: WatchdogConfig = {
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxAttempts: 2,
  stableMs: 120_000,
  hangGraceMs: 10_000,
  offlineRetryMs: 15_000,
  gaveUpRetryMs: 300_000,
};

beforeEach(() => fake.resetFakeElectron({ packaged: true }));

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A clock the test advances by hand: the watchdog's one timer, and the delays it asked for. */
function manualClock() {
  let now = 1_000_000;
  let pending: { callback: () => void; at: number } | null = null;
  const delays: number[] = [];
  return {
    delays,
    clock: {
      now: () => now,
      setTimeout: (callback: () => void, delayMs: number) => {
        delays.push(delayMs);
        pending = { callback, at: now + delayMs };
        return pending;
      },
      clearTimeout: (handle: unknown) => {
        if (pending === handle) pending = null;
      },
    },
    fire() {
      const due = pending;
      if (!due) throw new Error('no timer pending');
      pending = null;
      now = due.at;
      due.callback();
    },
  };
}

function wire() {
  const navigation = installNavigationLock({ app: as(fake.app), logger: silentLogger(), openExternal: async () => {} });
  installKioskSessionGuards({ session: as(fake.session), navigation, logger: silentLogger() });
  const roles = new Map<number, string>();
  const time = manualClock();
  const splash = createRecoverySplash({
    preload: '/app/dist/preload.cjs',
    splashFile: SPLASH_FILE,
    packaged: true,
    logger: silentLogger(),
    register: (w) => roles.set(w.webContents.id, 'splash'),
  });
  const open = (allowedOrigins = [LAUNCHER]) => {
    navigation.setPolicy(createNavigationPolicy({ allowedOrigins, packaged: true }));
    const watched = openWatchedKiosk(
      {
        app: as(fake.app),
        powerSaveBlocker: as(fake.powerSaveBlocker),
        platform: 'darwin',
        packaged: true,
        argv: [],
        preload: '/app/dist/preload.cjs',
        logger: silentLogger(),
        navigation,
        register: (w) => roles.set(w.webContents.id, 'kiosk'),
        isOnline: () => true,
        splash,
        clock: time.clock,
        watchdogConfig: CONFIG,
      },
      TARGET,
    );
    const wc = watched.kiosk.window.webContents as unknown as FakeWebContents;
    const kills: number[] = [];
    Object.assign(wc, { forcefullyCrashRenderer: () => kills.push(1) });
    return { ...watched, wc, kills };
  };
  const splashWindows = () =>
    fake.BrowserWindow.getAllWindows().filter((w) => roles.get(w.webContents.id) === 'splash') as FakeBrowserWindow[];
  return { navigation, time, open, roles, splashWindows };
}

describe('kiosk session permission handlers, as the composition root installs them', () => {
  it('deny a foreign origin and allow camera for the launcher main frame once the identity is known', async () => {
    const { open } = wire();
    const kioskSession = fake.session.fromPartition(KIOSK_PARTITION);
    const camera = (url: string, isMainFrame = true) =>
      kioskSession.requestPermission({}, 'media', { requestingUrl: url, isMainFrame, mediaTypes: ['video'] });

    expect(kioskSession.permissionRequestHandler).not.toBeNull();
    expect(await camera(TARGET)).toBe(false);

    const { watchdog } = open();
    expect(await camera(TARGET)).toBe(true);
    expect(await camera(TARGET, false)).toBe(false);
    expect(await camera('https://evil.test/launcher')).toBe(false);
    expect(await camera('https://summit.example-events.com.evil.test/')).toBe(false);
    expect(
      kioskSession.checkPermission({}, 'media', 'https://evil.test', { isMainFrame: true, mediaType: 'video' }),
    ).toBe(false);
    expect(
      kioskSession.checkPermission({}, 'media', LAUNCHER, {
        isMainFrame: true,
        mediaType: 'video',
        requestingUrl: TARGET,
      }),
    ).toBe(true);
    expect(await kioskSession.requestPermission({}, 'geolocation', { requestingUrl: TARGET, isMainFrame: true })).toBe(
      false,
    );
    watchdog.stop();
  });

  it('leave the default session alone (the splash has its own partition)', () => {
    wire();
    expect(fake.session.defaultSession.permissionRequestHandler).toBeNull();
  });
});

describe('the kiosk loads through the renderer watchdog', () => {
  it('loads the target through the navigation lock and settles once the page is up', async () => {
    const { open, roles } = wire();
    const { wc, settled, kiosk, watchdog } = open();
    expect(roles.get(wc.id)).toBe('kiosk');
    await expect(settled).resolves.toMatchObject({ kind: 'healthy', url: TARGET });
    expect(wc.loadedUrls).toEqual([TARGET]);
    expect(kiosk.window.isVisible()).toBe(true);
    watchdog.stop();
  });

  it('reloads after a crash and after a hang with growing delays, then shows the error on the splash', async () => {
    const { open, time, splashWindows } = wire();
    const { wc, watchdog, kills, settled } = open();
    await settled;

    wc.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 11 });
    expect(watchdog.state().kind).toBe('backing-off');
    time.fire();
    await settle();
    expect(watchdog.state().kind).toBe('healthy');

    wc.emit('unresponsive');
    expect(watchdog.state().kind).toBe('hung');
    time.fire();
    expect(kills).toHaveLength(1);
    expect(watchdog.state().kind).toBe('backing-off');
    time.fire();
    await settle();
    expect(wc.loadedUrls).toEqual([TARGET, TARGET, TARGET]);
    expect(splashWindows()).toHaveLength(0);

    wc.emit('render-process-gone', {}, { reason: 'oom', exitCode: 1 });
    expect(watchdog.state().kind).toBe('gave-up');
    expect(time.delays).toEqual([CONFIG.baseDelayMs, CONFIG.hangGraceMs, CONFIG.baseDelayMs * 2, CONFIG.gaveUpRetryMs]);

    const [splash] = splashWindows();
    expect(splash?.options).toMatchObject({
      alwaysOnTop: true,
      webPreferences: { sandbox: true, contextIsolation: true },
    });
    const shown = new URL(splash!.webContents.loadedUrls.at(-1)!);
    expect(shown.pathname).toBe(SPLASH_FILE);
    expect(shown.searchParams.get(NOTICE_PARAM)).toBe('The launcher page stopped (oom).');
    expect(Number(shown.searchParams.get(RETRY_AT_PARAM))).toBe((watchdog.state() as { retryAt: number }).retryAt);

    time.fire();
    await settle();
    expect(watchdog.state().kind).toBe('healthy');
    expect(splashWindows()).toHaveLength(0);
    watchdog.stop();
  });

  it('shows "offline, retrying" with the retry time when the load fails for lack of network, and reloads when it is back', async () => {
    const { open, time, splashWindows } = wire();
    const { wc, watchdog, settled } = open();
    await settled;
    wc.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 1 });
    time.fire();
    wc.emit('did-fail-load', {}, -106, 'ERR_INTERNET_DISCONNECTED', TARGET, true);
    expect(watchdog.state().kind).toBe('offline');
    const shown = new URL(splashWindows()[0]!.webContents.loadedUrls.at(-1)!);
    expect(shown.searchParams.get(NOTICE_PARAM)).toMatch(/No network/);
    expect(Number(shown.searchParams.get(RETRY_AT_PARAM))).toBe((watchdog.state() as { retryAt: number }).retryAt);

    wc.emit('did-fail-load', {}, -106, 'ERR_INTERNET_DISCONNECTED', TARGET, true);
    expect(splashWindows()).toHaveLength(1);
    watchdog.dispatch({ type: 'network', online: true });
    await settle();
    await settle();
    expect(watchdog.state().kind).toBe('healthy');
    expect(splashWindows()).toHaveLength(0);
    watchdog.stop();
  });

  it('turns a refused target into a failure the watchdog backs off from, not a crash of the start', async () => {
    const { open, time } = wire();
    const { wc, watchdog } = open(['https://other.example.org']);
    await settle();
    expect(wc.loadedUrls).toEqual([]);
    expect(watchdog.state()).toMatchObject({ kind: 'backing-off', failures: 1, failure: { code: 'page-load-failed' } });
    expect(time.delays).toEqual([CONFIG.baseDelayMs]);
    watchdog.stop();
  });
});
