import * as electron from 'electron';
import { beforeEach, describe, expect, it } from 'vitest';
import { openKioskWindow } from '../apps/desktop/kiosk-window';
import { registerLoginItem } from '../apps/desktop/login-item';
import { captureLogger } from './fakes/services';

const fake = electron as unknown as typeof import('./fakes/electron');

beforeEach(() => fake.resetFakeElectron({ packaged: true }));

describe('open at login', () => {
  it.each(['darwin', 'win32'] as const)('the packaged app registers itself on %s', (platform) => {
    expect(
      registerLoginItem({ app: fake.app as never, platform, packaged: true, logger: captureLogger().logger }),
    ).toBe('registered');
    expect(fake.app.calls.loginItemSettings).toEqual([{ openAtLogin: true }]);
    expect(fake.app.getLoginItemSettings().openAtLogin).toBe(true);
  });

  it('a development run registers nothing (it would register the bare Electron binary)', () => {
    expect(
      registerLoginItem({
        app: fake.app as never,
        platform: 'darwin',
        packaged: false,
        logger: captureLogger().logger,
      }),
    ).toBe('development');
    expect(fake.app.calls.loginItemSettings).toEqual([]);
  });

  it('on Linux writes nothing and says where autostart comes from', () => {
    const capture = captureLogger();
    expect(
      registerLoginItem({ app: fake.app as never, platform: 'linux', packaged: true, logger: capture.logger }),
    ).toBe('desktop-session');
    expect(fake.app.calls.loginItemSettings).toEqual([]);
    expect(capture.messages().some((m) => m.includes('~/.config/autostart/aether-native.desktop'))).toBe(true);
  });
});

describe('display kept awake', () => {
  it("is the kiosk window's one blocker, held while it is a kiosk and released when it closes", () => {
    const kiosk = openKioskWindow({
      app: fake.app as never,
      powerSaveBlocker: fake.powerSaveBlocker as never,
      platform: 'darwin',
      packaged: true,
      argv: [],
      preload: '/p.cjs',
      logger: captureLogger().logger,
    });
    expect([...fake.powerSaveBlocker.active.values()]).toEqual(['prevent-display-sleep']);
    fake.app.quit();
    kiosk.window.close();
    expect(fake.powerSaveBlocker.active.size).toBe(0);
  });
});
