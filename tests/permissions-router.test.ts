import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { createPermissionsService } from '../kiosk/permissions-service';
import { permissionsRouter } from '../router/permissions';
import type { Services } from '../router/services';
import { createCallerFactory, type SenderInfo } from '../router/trpc';

const LAUNCHER: SenderInfo = {
  webContentsId: 1,
  role: 'kiosk',
  isMainFrame: true,
  origin: 'https://summit.example-events.com',
  url: 'https://summit.example-events.com/x',
};
const SPLASH: SenderInfo = {
  webContentsId: 2,
  role: 'splash',
  isMainFrame: true,
  origin: 'file://',
  url: 'file:///opt/aether/dist/splash/index.html',
};

function caller(sender: SenderInfo | null, continued: () => void = () => {}) {
  const tcc = createPermissionsService({
    platform: 'linux',
    logger: silentLogger(),
    systemPreferences: {
      getMediaAccessStatus: () => 'granted',
      askForMediaAccess: async () => true,
      isTrustedAccessibilityClient: () => true,
    },
    screenCaptureProbe: async () => undefined,
    openSettingsPane: async () => undefined,
  });
  const permissions = {
    status: () => tcc.status(),
    request: tcc.request,
    openSettings: tcc.openSettings,
    continueWithout: continued,
  };
  const isAllowed = (s: SenderInfo) => s.origin === LAUNCHER.origin || s.url === SPLASH.url;
  const services = { logger: silentLogger(), senderPolicy: { isAllowed }, permissions } as unknown as Services;
  return createCallerFactory(permissionsRouter)({ sender, services });
}

describe('permissions procedures', () => {
  it('serves status and request to the launcher', async () => {
    const c = caller(LAUNCHER);
    expect((await c.status()).complete).toBe(true);
    expect(await c.request({ kind: 'camera' })).toMatchObject({ kind: 'camera', status: 'granted', action: 'none' });
    expect(await c.openSettings({ kind: 'screen' })).toEqual({ opened: false });
  });

  it('refuses unknown kinds before the service sees them', async () => {
    const c = caller(LAUNCHER);
    for (const kind of ['location', '', 'CAMERA', '__proto__']) {
      await expect(c.request({ kind } as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    }
  });

  it('refuses foreign senders with FORBIDDEN', async () => {
    const foreign = caller({ ...LAUNCHER, origin: 'https://evil.test' });
    await expect(foreign.status()).rejects.toBeInstanceOf(TRPCError);
    await expect(foreign.request({ kind: 'camera' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(caller(null).status()).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('takes "Continue without" from the splash only: the launcher gets FORBIDDEN and the service is not called', async () => {
    let calls = 0;
    const count = () => void (calls += 1);
    await expect(caller(LAUNCHER, count).continueWithout()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(caller({ ...SPLASH, role: 'unknown' }, count).continueWithout()).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(calls).toBe(0);
    await expect(caller(SPLASH, count).continueWithout()).resolves.toEqual({ continued: true });
    expect(calls).toBe(1);
  });
});
