import * as electron from 'electron';
import { exposeElectronTRPC } from 'electron-trpc/main';
import { beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { fakeAppleEvents } from './fakes/apple-events';
import type { Platform } from '../base/platform';
import { createBridgeHandler } from '../apps/desktop/bridge-handler';
import {
  createDesktopPermissionsService,
  screenCaptureProbe,
  ScreenProbeTimeoutError,
  settingsPaneOpener,
  SettingsUrlRefusedError,
} from '../apps/desktop/permissions.electron';
import { createContinueSignal, withContinueWithout } from '../apps/desktop/permissions-gate';
import { bridgeErrorCode, createNativeClient } from '../router/client';
import { createContextFactory, type SenderRole } from '../router/context';
import { appRouter } from '../router/index';
import { createSenderPolicy } from '../router/sender-policy';
import { captureLogger, fakeDeviceService, fakeServices } from './fakes/services';

const fake = electron as unknown as typeof import('./fakes/electron');
const SPLASH_URL = 'file:///opt/aether/dist/splash/index.html';

beforeEach(() => fake.resetFakeElectron());

const service = (platform: Platform) =>
  createDesktopPermissionsService({
    platform,
    logger: silentLogger(),
    systemPreferences: fake.systemPreferences as never,
    desktopCapturer: fake.desktopCapturer as never,
    shell: fake.shell as never,
    run: fakeAppleEvents().run,
  });

describe('the Electron permissions adapter on macOS', () => {
  it('reads TCC status from systemPreferences and prompts for the camera through askForMediaAccess', async () => {
    fake.systemPreferences.mediaAccess = { camera: 'not-determined', microphone: 'granted', screen: 'denied' };
    const permissions = service('darwin');
    const before = await permissions.status();
    expect(before.complete).toBe(false);
    expect(Object.fromEntries(before.permissions.map((p) => [p.kind, p.status]))).toEqual({
      camera: 'not-determined',
      microphone: 'granted',
      screen: 'denied',
      accessibility: 'not-determined',
      automation: 'not-applicable',
    });

    await expect(permissions.request('camera')).resolves.toMatchObject({
      kind: 'camera',
      status: 'granted',
      action: 'prompted',
    });
    expect(fake.systemPreferences.asked).toEqual(['camera']);
  });

  it('probes screen capture with a 1×1 thumbnail, then opens the Screen Recording pane', async () => {
    fake.systemPreferences.mediaAccess.screen = 'denied';
    const result = await service('darwin').request('screen');
    expect(fake.desktopCapturer.requests).toEqual([{ types: ['screen'], thumbnailSize: { width: 1, height: 1 } }]);
    expect(result.action).toBe('opened-settings');
    expect(fake.shell.external).toEqual([
      'x-apple.systempreferences:com.apple.preference.security?Privacy_ScreenCapture',
    ]);
  });

  it('asks for accessibility with the prompt once, then reads the trust silently', async () => {
    fake.systemPreferences.trustedAccessibilityClient = true;
    const permissions = service('darwin');
    await expect(permissions.request('accessibility')).resolves.toMatchObject({
      status: 'granted',
      action: 'prompted',
    });
    await permissions.status();
    expect(fake.systemPreferences.accessibilityPrompts).toEqual([true, false, false]);
  });
});

describe('the adapter parts', () => {
  it('gives up on a screen probe that never answers with a typed error', async () => {
    const probe = screenCaptureProbe({ getSources: () => new Promise(() => {}) } as never);
    await expect(probe(5)).rejects.toBeInstanceOf(ScreenProbeTimeoutError);
  });

  it('passes on a probe failure (no permission) instead of hanging', async () => {
    const probe = screenCaptureProbe({
      getSources: () => Promise.reject(new Error('Failed to get sources.')),
    } as never);
    await expect(probe(1_000)).rejects.toThrow('Failed to get sources.');
  });

  it('opens only System Settings URLs', async () => {
    const open = settingsPaneOpener(fake.shell as never);
    await expect(open('https://evil.test/')).rejects.toBeInstanceOf(SettingsUrlRefusedError);
    await expect(open('file:///Applications/Calculator.app')).rejects.toBeInstanceOf(SettingsUrlRefusedError);
    await open('x-apple.systempreferences:com.apple.preference.security?Privacy_Camera');
    expect(fake.shell.external).toEqual(['x-apple.systempreferences:com.apple.preference.security?Privacy_Camera']);
  });
});

describe('on Linux and Windows', () => {
  it.each(['linux', 'win32'] as const)(
    '%s reports granted / not-applicable and touches no OS API',
    async (platform) => {
      const permissions = service(platform);
      const overview = await permissions.status();
      expect(overview.complete).toBe(true);
      expect(overview.permissions.map((p) => p.status)).toEqual([
        'granted',
        'granted',
        'granted',
        'not-applicable',
        'not-applicable',
      ]);
      await permissions.request('screen');
      expect(fake.desktopCapturer.requests).toEqual([]);
      expect(fake.systemPreferences.asked).toEqual([]);
      expect(fake.shell.external).toEqual([]);
    },
  );
});

describe('over the bridge, as the splash uses it', () => {
  it('serves the splash page and refuses a page that is neither splash nor launcher', async () => {
    fake.systemPreferences.mediaAccess = { camera: 'not-determined', microphone: 'granted', screen: 'granted' };
    const capture = captureLogger();
    const senderPolicy = createSenderPolicy({
      kioskOrigins: () => ['https://summit.example-events.com'],
      splashUrl: SPLASH_URL,
    });
    const continued = createContinueSignal();
    const services = fakeServices({
      logger: capture.logger,
      senderPolicy,
      device: fakeDeviceService().service,
      permissions: withContinueWithout(service('darwin'), continued),
    });
    const roles = new Map<number, SenderRole>();
    const handler = createBridgeHandler({
      ipcMain: fake.ipcMain as never,
      router: appRouter,
      createContext: createContextFactory({ services, roleOf: (id) => roles.get(id) ?? 'unknown', development: false }),
    });
    const connect = (role: SenderRole, url: string) => {
      const win = new fake.BrowserWindow({ show: false });
      roles.set(win.webContents.id, role);
      handler.attachWindow(win as never);
      void win.loadURL(url);
      const renderer = fake.openRenderer(win);
      renderer.runPreload(() => exposeElectronTRPC());
      return renderer.runInPage(() => createNativeClient());
    };

    const splash = connect('splash', `${SPLASH_URL}?notice=x`);
    await expect(splash.permissions.request.mutate({ kind: 'camera' })).resolves.toMatchObject({
      status: 'granted',
      action: 'prompted',
    });
    const overview = await splash.permissions.status.query();
    expect(overview.permissions.find((p) => p.kind === 'camera')?.status).toBe('granted');

    const stranger = connect('kiosk', 'https://evil.test/');
    await expect(stranger.permissions.status.query()).rejects.toThrow(/may not use the Aether Native bridge/);
    expect(fake.systemPreferences.asked).toEqual(['camera']);

    // "Continue without" is the splash's alone: the launcher, an allowed sender otherwise, is refused.
    let continuedWithout = 0;
    continued.onContinue(() => (continuedWithout += 1));
    const launcher = connect(
      'kiosk',
      'https://summit.example-events.com/events/ev_2026_summit/launcher/loc_ballroom_a',
    );
    await expect(launcher.permissions.status.query()).resolves.toHaveProperty('permissions');
    const refused = await launcher.permissions.continueWithout.mutate().catch((err: unknown) => err);
    expect(bridgeErrorCode(refused)).toBe('FORBIDDEN');
    expect(continuedWithout).toBe(0);
    expect(capture.lines.find((l) => l.msg === 'bridge call refused: wrong window for this procedure')).toMatchObject({
      role: 'kiosk',
      required: 'splash',
    });
    await expect(splash.permissions.continueWithout.mutate()).resolves.toEqual({ continued: true });
    expect(continuedWithout).toBe(1);
  });
});
