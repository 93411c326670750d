import { describe, expect, it } from 'vitest';
import type { Platform } from '../base/platform';
import { classifyShortcut, type KeyInput } from '../kiosk/kiosk-shortcuts';
import { KIOSK_PARTITION, planKioskWindow, secureWebPreferences } from '../kiosk/window-policy';

const PLATFORMS: Platform[] = ['darwin', 'linux', 'win32'];
const PRELOAD = '/opt/aether/resources/app.asar/dist/preload.cjs';

describe('window policy per platform', () => {
  it('macOS kiosk: frameless, opaque, simple full screen, never Electron kiosk mode or always-on-top', () => {
    const plan = planKioskWindow({ platform: 'darwin', packaged: true, argv: [], preload: PRELOAD });
    expect(plan).toMatchObject({
      mode: 'kiosk',
      fullscreen: 'simple-fullscreen',
      guardShortcuts: true,
      keepDisplayAwake: true,
    });
    expect(plan.options).toMatchObject({
      frame: false,
      transparent: false,
      backgroundColor: '#000000',
      simpleFullscreen: true,
      fullscreen: true,
      kiosk: false,
      alwaysOnTop: false,
      closable: false,
      show: false,
    });
  });

  it.each(['linux', 'win32'] as const)('%s kiosk: decorated, ordinary full screen', (platform) => {
    const plan = planKioskWindow({ platform, packaged: true, argv: [], preload: PRELOAD });
    expect(plan).toMatchObject({ mode: 'kiosk', fullscreen: 'fullscreen', guardShortcuts: true });
    expect(plan.options).toMatchObject({
      frame: true,
      fullscreen: true,
      simpleFullscreen: false,
      kiosk: false,
      alwaysOnTop: false,
      transparent: false,
    });
  });

  it.each(PLATFORMS)('%s --windowed in development: a normal decorated window with no shortcut guard', (platform) => {
    const plan = planKioskWindow({
      platform,
      packaged: false,
      argv: ['electron', '.', '--windowed'],
      preload: PRELOAD,
    });
    expect(plan).toMatchObject({
      mode: 'windowed',
      fullscreen: 'none',
      guardShortcuts: false,
      keepDisplayAwake: false,
      ignoredFlag: null,
    });
    expect(plan.options).toMatchObject({
      frame: true,
      fullscreen: false,
      simpleFullscreen: false,
      closable: true,
      minimizable: true,
    });
  });

  it.each(PLATFORMS)('%s packaged ignores --windowed and says so', (platform) => {
    const plan = planKioskWindow({
      platform,
      packaged: true,
      argv: ['/Applications/Aether.app', '--windowed'],
      preload: PRELOAD,
    });
    expect(plan.mode).toBe('kiosk');
    expect(plan.ignoredFlag).toBe('--windowed');
  });

  it.each(PLATFORMS.flatMap((platform) => [true, false].map((packaged) => [platform, packaged] as const)))(
    '%s (packaged %s) always carries the secured webPreferences literal',
    (platform, packaged) => {
      for (const argv of [[], ['--windowed']]) {
        const { webPreferences } = planKioskWindow({ platform, packaged, argv, preload: PRELOAD }).options;
        expect(webPreferences).toEqual({
          preload: PRELOAD,
          partition: KIOSK_PARTITION,
          contextIsolation: true,
          sandbox: true,
          nodeIntegration: false,
          nodeIntegrationInWorker: false,
          nodeIntegrationInSubFrames: false,
          webSecurity: true,
          allowRunningInsecureContent: false,
          experimentalFeatures: false,
          webviewTag: false,
          navigateOnDragDrop: false,
          safeDialogs: true,
          spellcheck: false,
          devTools: !packaged,
          backgroundThrottling: false,
        });
        expect(webPreferences).not.toHaveProperty('enableBlinkFeatures');
        expect(KIOSK_PARTITION.startsWith('persist:')).toBe(true);
      }
    },
  );

  it('secureWebPreferences turns dev tools off in the packaged app', () => {
    expect(secureWebPreferences({ preload: PRELOAD, partition: 'persist:x', packaged: true }).devTools).toBe(false);
    expect(secureWebPreferences({ preload: PRELOAD, partition: 'persist:x', packaged: false }).devTools).toBe(true);
  });
});

describe('kiosk shortcuts', () => {
  const key = (k: string, mods: Partial<KeyInput> = {}): KeyInput => ({
    type: 'keyDown',
    key: k,
    control: false,
    meta: false,
    alt: false,
    shift: false,
    ...mods,
  });

  it.each([
    ['darwin', key('w', { meta: true })],
    ['darwin', key('q', { meta: true })],
    ['darwin', key('Q', { meta: true, shift: true })],
    ['darwin', key('r', { meta: true })],
    ['darwin', key('R', { meta: true, shift: true })],
    ['darwin', key('h', { meta: true })],
    ['darwin', key('m', { meta: true })],
    ['darwin', key('i', { meta: true, alt: true })],
    ['darwin', key('f', { meta: true, control: true })],
    ['darwin', key('ArrowLeft', { alt: true })],
    ['darwin', key('w', { control: true })],
    ['linux', key('w', { control: true })],
    ['linux', key('q', { control: true })],
    ['linux', key('r', { control: true })],
    ['linux', key('F5')],
    ['linux', key('F5', { control: true })],
    ['linux', key('F11')],
    ['linux', key('F12')],
    ['linux', key('I', { control: true, shift: true })],
    ['win32', key('F4', { alt: true })],
    ['win32', key('w', { control: true })],
    ['win32', key('BrowserBack')],
  ] as const)('%s blocks %j', (platform, input) => {
    expect(classifyShortcut(input, platform)).toBe('block');
  });

  it.each([
    ['darwin', key('c', { meta: true })],
    ['darwin', key('v', { meta: true })],
    ['darwin', key('=', { meta: true })],
    ['darwin', key('f', { meta: true })],
    ['linux', key('a')],
    ['linux', key('Enter')],
    ['linux', key('Escape')],
    ['win32', key('w', { meta: true })],
    ['linux', { ...key('w', { control: true }), type: 'keyUp' }],
  ] as const)('%s passes %j', (platform, input) => {
    expect(classifyShortcut(input, platform)).toBe('pass');
  });

  it.each([
    ['darwin', key('K', { meta: true, alt: true, shift: true }), 'ops-escape'],
    ['linux', key('K', { control: true, alt: true, shift: true }), 'ops-escape'],
    ['win32', key('k', { control: true, alt: true, shift: true }), 'ops-escape'],
    ['darwin', key('K', { control: true, alt: true, shift: true }), 'pass'],
    ['linux', key('K', { control: true, alt: true }), 'pass'],
    ['linux', key('K', { meta: true, alt: true, shift: true }), 'pass'],
  ] as const)('%s ops chord %j → %s', (platform, input, expected) => {
    expect(classifyShortcut(input, platform)).toBe(expected);
  });
});
