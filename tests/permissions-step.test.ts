import * as electron from 'electron';
import { beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { fakeAppleEvents, KEYNOTE, POWERPOINT } from './fakes/apple-events';
import { createContinueSignal, waitForPermissions } from '../apps/desktop/permissions-gate';
import { createDesktopPermissionsService } from '../apps/desktop/permissions.electron';
import { rowsOf, startPermissionsStep, type PermissionRow } from '../apps/desktop/splash/permissions-step';
import type { Platform } from '../base/platform';

const fake = electron as unknown as typeof import('./fakes/electron');
beforeEach(() => fake.resetFakeElectron());

/** The real service over the fake systemPreferences, as the splash reaches it through the bridge. */
const service = (platform: Platform = 'darwin', appleEvents = fakeAppleEvents()) =>
  createDesktopPermissionsService({
    platform,
    logger: silentLogger(),
    systemPreferences: fake.systemPreferences as never,
    desktopCapturer: fake.desktopCapturer as never,
    shell: fake.shell as never,
    run: appleEvents.run,
  });

/** A sleep the test releases by hand, so the re-check loop advances only when told. */
function manualSleep() {
  const waiting: Array<() => void> = [];
  return {
    sleep: () => new Promise<void>((resolve) => waiting.push(resolve)),
    tick: () => waiting.splice(0).forEach((r) => r()),
    pending: () => waiting.length,
  };
}
const flush = async () => {
  for (let i = 0; i < 200; i += 1) await Promise.resolve();
};

describe('the splash permissions step', () => {
  it('on Linux and Windows is complete at once: nothing shown, nothing asked', async () => {
    for (const platform of ['linux', 'win32'] as const) {
      const renders: PermissionRow[][] = [];
      const step = startPermissionsStep({
        client: service(platform),
        render: (rows) => renders.push(rows),
        sleep: manualSleep().sleep,
        onError: () => {},
      });
      await expect(step.done).resolves.toBe('complete');
      expect(renders).toEqual([[]]);
    }
    expect(fake.systemPreferences.asked).toEqual([]);
  });

  it('on macOS prompts once for each kind macOS can ask about, offers Settings for Screen Recording, and re-checks until granted', async () => {
    fake.systemPreferences.mediaAccess = { camera: 'not-determined', microphone: 'not-determined', screen: 'denied' };
    fake.systemPreferences.askAnswers = { camera: true, microphone: false };
    fake.systemPreferences.trustedAccessibilityClient = true;
    const renders: PermissionRow[][] = [];
    const time = manualSleep();
    const step = startPermissionsStep({
      client: service(),
      render: (rows) => renders.push(rows),
      sleep: time.sleep,
      onError: () => {},
    });
    await flush();
    expect(fake.systemPreferences.asked).toEqual(['camera', 'microphone']);
    expect(fake.systemPreferences.accessibilityPrompts[0]).toBe(true);
    expect(renders.at(-1)?.map((r) => [r.kind, r.status, r.action])).toEqual([
      ['microphone', 'denied', 'open-settings'],
      ['screen', 'denied', 'open-settings'],
    ]);

    await step.act('screen');
    expect(fake.shell.external).toEqual([
      'x-apple.systempreferences:com.apple.preference.security?Privacy_ScreenCapture',
    ]);

    fake.systemPreferences.mediaAccess.microphone = 'granted';
    fake.systemPreferences.mediaAccess.screen = 'granted';
    time.tick();
    await expect(step.done).resolves.toBe('complete');
    expect(renders.at(-1)).toEqual([]);
    expect(fake.systemPreferences.asked).toEqual(['camera', 'microphone']);
  });

  it('shows Automation with the other permissions, asks macOS once per presentation app, and opens its pane after a refusal', async () => {
    fake.systemPreferences.mediaAccess = { camera: 'granted', microphone: 'granted', screen: 'granted' };
    fake.systemPreferences.trustedAccessibilityClient = true;
    const appleEvents = fakeAppleEvents({ [POWERPOINT]: { answer: 'denied' }, [KEYNOTE]: {} });
    const renders: PermissionRow[][] = [];
    const time = manualSleep();
    const step = startPermissionsStep({
      client: service('darwin', appleEvents),
      render: (rows) => renders.push(rows),
      sleep: time.sleep,
      onError: () => {},
    });
    await flush();
    expect(renders[0]?.map((r) => [r.kind, r.label, r.action])).toEqual([
      ['accessibility', 'Accessibility', 'ask'],
      ['automation', 'Automation (PowerPoint, Keynote)', 'ask'],
    ]);
    await flush();
    expect(appleEvents.prompts).toEqual([POWERPOINT, KEYNOTE]);
    expect(renders.at(-1)?.map((r) => [r.kind, r.status, r.action])).toEqual([
      ['automation', 'denied', 'open-settings'],
    ]);
    expect(renders.at(-1)?.[0]?.hint).toContain('Microsoft PowerPoint and Keynote');

    await step.act('automation');
    expect(fake.shell.external).toEqual(['x-apple.systempreferences:com.apple.preference.security?Privacy_Automation']);
    const powerpoint = appleEvents.apps[POWERPOINT];
    if (!powerpoint) throw new Error('PowerPoint missing from the fake');
    powerpoint.grant = 'granted';
    time.tick();
    await expect(step.done).resolves.toBe('complete');
    expect(appleEvents.prompts).toHaveLength(2);
    expect(appleEvents.unexpected).toEqual([]);
  });

  it('lets ops continue without, and stops re-checking', async () => {
    fake.systemPreferences.mediaAccess = { camera: 'denied', microphone: 'granted', screen: 'granted' };
    const time = manualSleep();
    const step = startPermissionsStep({ client: service(), render: () => {}, sleep: time.sleep, onError: () => {} });
    await flush();
    step.continueWithout();
    await expect(step.done).resolves.toBe('continued-without');
    time.tick();
    await flush();
    expect(time.pending()).toBe(0);
  });

  it('ends as continued-without, saying why, when the bridge fails', async () => {
    const errors: unknown[] = [];
    const step = startPermissionsStep({
      client: { status: () => Promise.reject(new Error('PRECONDITION_FAILED')), request: async () => {} },
      render: () => {},
      sleep: manualSleep().sleep,
      onError: (e) => errors.push(e),
    });
    await expect(step.done).resolves.toBe('continued-without');
    expect(String(errors[0])).toContain('PRECONDITION_FAILED');
  });

  it('shows no button for a permission a device profile blocks', () => {
    const rows = rowsOf({
      complete: false,
      permissions: [{ kind: 'camera', status: 'restricted', hint: 'ask IT', settingsUrl: null }],
    });
    expect(rows).toEqual([{ kind: 'camera', label: 'Camera', status: 'restricted', hint: 'ask IT', action: null }]);
  });
});

describe('the kiosk waits for the permissions step (main side)', () => {
  const splashContents = () => new fake.BrowserWindow({ show: false }).webContents;
  const gate = (
    platform: Platform,
    splash: ReturnType<typeof splashContents> | null,
    extra: { maxWaitMs?: number; continued?: ReturnType<typeof createContinueSignal> } = {},
  ) =>
    waitForPermissions({
      platform,
      permissions: service(platform),
      continued: createContinueSignal(),
      splash: splash as never,
      logger: silentLogger(),
      pollMs: 1,
      ...extra,
    });

  it('does not wait off macOS, nor when everything is granted', async () => {
    await expect(gate('linux', splashContents())).resolves.toBe('not-applicable');
    fake.systemPreferences.mediaAccess = { camera: 'granted', microphone: 'granted', screen: 'granted' };
    fake.systemPreferences.trustedAccessibilityClient = true;
    const permissions = service();
    await permissions.request('accessibility');
    await expect(
      waitForPermissions({
        platform: 'darwin',
        permissions,
        continued: createContinueSignal(),
        splash: null,
        logger: silentLogger(),
      }),
    ).resolves.toBe('complete');
  });

  it('opens on "Continue without", and stops listening', async () => {
    const splash = splashContents();
    const continued = createContinueSignal();
    const waiting = gate('darwin', splash, { continued });
    let outcome: string | null = null;
    void waiting.then((o) => (outcome = o));
    await flush();
    expect(outcome).toBeNull();
    continued.continueWithout();
    await expect(waiting).resolves.toBe('continued-without');
    expect(splash.listenerCount('destroyed')).toBe(0);
  });

  it('remembers a "Continue without" pressed while bootstrap was still running', async () => {
    const continued = createContinueSignal();
    continued.continueWithout();
    await expect(gate('darwin', splashContents(), { continued })).resolves.toBe('continued-without');
  });

  it('opens once a re-check finds everything granted', async () => {
    const answers = [false, false, true];
    const permissions = { status: async () => ({ complete: answers.shift() ?? true, permissions: [] }) };
    const outcome = await waitForPermissions({
      platform: 'darwin',
      permissions,
      continued: createContinueSignal(),
      splash: splashContents() as never,
      logger: silentLogger(),
      pollMs: 1,
    });
    expect(outcome).toBe('complete');
    expect(answers).toEqual([]);
  });

  it('opens when the splash is gone, or after the longest wait', async () => {
    fake.systemPreferences.mediaAccess = { camera: 'denied', microphone: 'granted', screen: 'granted' };
    const splash = splashContents();
    const gone = gate('darwin', splash);
    await flush();
    splash.destroy();
    await expect(gone).resolves.toBe('splash-gone');
    await expect(gate('darwin', splashContents(), { maxWaitMs: 5 })).resolves.toBe('timed-out');
  });
});
