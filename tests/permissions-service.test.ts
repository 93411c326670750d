import { describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import type { PermissionKind } from '../contracts/permissions';
import {
  createPermissionsService,
  settingsUrlFor,
  type MacPermissionsApi,
  type PermissionsServiceDeps,
} from '../kiosk/permissions-service';
import { fakeAppleEvents, KEYNOTE, POWERPOINT, type FakeAppleEvents } from './fakes/apple-events';

type MediaStatus = 'not-determined' | 'granted' | 'denied' | 'restricted' | 'unknown';

/** A TCC database in memory that behaves like macOS: prompts change state, silent checks suppress the AX prompt. */
function fakeTcc(initial: Partial<Record<'camera' | 'microphone' | 'screen', MediaStatus>> = {}, userAnswers = true) {
  const state: Record<'camera' | 'microphone' | 'screen', MediaStatus> = {
    camera: 'not-determined',
    microphone: 'not-determined',
    screen: 'denied',
    ...initial,
  };
  const calls: string[] = [];
  let trusted = false;
  let axPromptSuppressed = false;
  let axPromptsShown = 0;
  const api: MacPermissionsApi = {
    getMediaAccessStatus: (type) => {
      calls.push(`status:${type}`);
      return state[type];
    },
    askForMediaAccess: async (type) => {
      calls.push(`ask:${type}`);
      if (state[type] === 'not-determined') state[type] = userAnswers ? 'granted' : 'denied';
      return state[type] === 'granted';
    },
    isTrustedAccessibilityClient: (prompt) => {
      calls.push(`ax:${prompt}`);
      if (!trusted && prompt && !axPromptSuppressed) axPromptsShown += 1;
      if (!trusted) axPromptSuppressed = true;
      return trusted;
    },
  };
  return { api, state, calls, grantAccessibility: () => void (trusted = true), axPromptsShown: () => axPromptsShown };
}

/** No presentation app installed unless a test passes Apple Events of its own: Automation is then not applicable. */
function service(
  platform: PermissionsServiceDeps['platform'],
  tcc = fakeTcc(),
  probe: PermissionsServiceDeps['screenCaptureProbe'] = async () => undefined,
  appleEvents: FakeAppleEvents = fakeAppleEvents(),
) {
  const opened: string[] = [];
  const svc = createPermissionsService({
    platform,
    logger: silentLogger(),
    systemPreferences: tcc.api,
    screenCaptureProbe: probe,
    openSettingsPane: async (url) => void opened.push(url),
    run: appleEvents.run,
    screenProbeTimeoutMs: 50,
  });
  return { svc, opened, tcc, appleEvents };
}

const statusOf = async (svc: ReturnType<typeof service>['svc'], kind: PermissionKind) =>
  (await svc.status()).permissions.find((p) => p.kind === kind)?.status;

describe('permissions on Linux and Windows', () => {
  it.each(['linux', 'win32'] as const)(
    '%s reports granted / not-applicable and never touches macOS APIs',
    async (platform) => {
      const appleEvents = fakeAppleEvents({ [POWERPOINT]: { running: true } });
      const { svc, opened, tcc } = service(platform, fakeTcc(), undefined, appleEvents);
      const overview = await svc.status();
      expect(overview.complete).toBe(true);
      expect(Object.fromEntries(overview.permissions.map((p) => [p.kind, p.status]))).toEqual({
        camera: 'granted',
        microphone: 'granted',
        screen: 'granted',
        accessibility: 'not-applicable',
        automation: 'not-applicable',
      });
      expect(overview.permissions.every((p) => p.settingsUrl === null && p.hint === null)).toBe(true);
      for (const kind of ['camera', 'microphone', 'screen', 'accessibility', 'automation'] as const)
        expect((await svc.request(kind)).action).toBe('none');
      expect(await svc.openSettings('screen')).toEqual({ opened: false });
      expect(tcc.calls).toEqual([]);
      expect(appleEvents.calls).toEqual([]);
      expect(opened).toEqual([]);
    },
  );
});

describe('permissions on macOS', () => {
  it('starts incomplete and asks for camera and microphone with the OS prompt', async () => {
    const { svc, tcc } = service('darwin');
    expect((await svc.status()).complete).toBe(false);
    const camera = await svc.request('camera');
    expect(camera).toMatchObject({ kind: 'camera', status: 'granted', action: 'prompted', hint: null });
    expect(tcc.calls).toContain('ask:camera');
    expect(await svc.request('microphone')).toMatchObject({ status: 'granted', action: 'prompted' });
  });

  it('opens the right System Settings pane once a media permission was denied (askForMediaAccess cannot prompt again)', async () => {
    const { svc, opened, tcc } = service('darwin', fakeTcc({ camera: 'denied' }));
    const result = await svc.request('camera');
    expect(result).toMatchObject({
      status: 'denied',
      action: 'opened-settings',
      settingsUrl: settingsUrlFor('camera'),
    });
    expect(result.hint).toMatch(/Privacy & Security › Camera/);
    expect(opened).toEqual(['x-apple.systempreferences:com.apple.preference.security?Privacy_Camera']);
    expect(tcc.calls).not.toContain('ask:camera');
  });

  it('explains an MDM restriction', async () => {
    const { svc } = service('darwin', fakeTcc({ microphone: 'restricted' }));
    expect((await svc.status()).permissions.find((p) => p.kind === 'microphone')?.hint).toMatch(/MDM/);
  });

  it('reads screen recording as denied until granted, probes it with a bounded capture and shows the pane', async () => {
    let probedWith = -1;
    const { svc, opened } = service('darwin', fakeTcc(), async (timeoutMs) => void (probedWith = timeoutMs));
    expect(await statusOf(svc, 'screen')).toBe('denied');
    const result = await svc.request('screen');
    expect(probedWith).toBe(50);
    expect(result).toMatchObject({ status: 'denied', action: 'opened-settings' });
    expect(result.hint).toMatch(/cannot ask for Screen Recording.*quit and reopen/);
    expect(opened).toEqual([settingsUrlFor('screen')]);
  });

  it('a screen probe that never settles cannot hang request()', async () => {
    const { svc } = service('darwin', fakeTcc(), () => new Promise(() => {}));
    await expect(svc.request('screen')).resolves.toMatchObject({ kind: 'screen', status: 'denied' });
  });

  it('a screen probe that throws is survived', async () => {
    const { svc } = service('darwin', fakeTcc(), async () => {
      throw new Error('desktopCapturer exploded');
    });
    await expect(svc.request('screen')).resolves.toMatchObject({ kind: 'screen' });
  });

  it('never runs a silent accessibility check before the one prompt, so the prompt is really shown', async () => {
    const { svc, tcc } = service('darwin');
    expect(await statusOf(svc, 'accessibility')).toBe('not-determined');
    await svc.status();
    expect(tcc.calls.filter((c) => c.startsWith('ax:'))).toEqual([]);
    const result = await svc.request('accessibility');
    expect(tcc.calls.filter((c) => c.startsWith('ax:'))[0]).toBe('ax:true');
    expect(tcc.axPromptsShown()).toBe(1);
    expect(result).toMatchObject({ status: 'denied', action: 'prompted' });
  });

  it('after the one accessibility prompt, a second request opens the pane instead of a dead end', async () => {
    const { svc, opened, tcc } = service('darwin');
    await svc.request('accessibility');
    const second = await svc.request('accessibility');
    expect(second).toMatchObject({ action: 'opened-settings', settingsUrl: settingsUrlFor('accessibility') });
    expect(second.hint).toMatch(/remove it with "−" and add it again/);
    expect(opened).toEqual([settingsUrlFor('accessibility')]);
    tcc.grantAccessibility();
    expect(await statusOf(svc, 'accessibility')).toBe('granted');
  });

  it('completes the check-and-prompt loop once everything is granted', async () => {
    const tcc = fakeTcc({ camera: 'granted', microphone: 'granted', screen: 'granted' });
    tcc.grantAccessibility();
    const { svc } = service('darwin', tcc);
    expect(await svc.request('accessibility')).toMatchObject({ status: 'granted', action: 'prompted' });
    expect(await svc.status()).toMatchObject({ complete: true });
    expect(tcc.axPromptsShown()).toBe(0);
  });

  it('turns a throwing or nonsense systemPreferences into "unknown", never an exception', async () => {
    const api: MacPermissionsApi = {
      getMediaAccessStatus: (type) =>
        type === 'camera'
          ? 'banana'
          : (() => {
              throw new Error('TCC unavailable');
            })(),
      askForMediaAccess: async () => {
        throw new Error('no');
      },
      isTrustedAccessibilityClient: () => {
        throw new Error('no');
      },
    };
    const { svc } = service('darwin', { ...fakeTcc(), api });
    const overview = await svc.status();
    expect(overview.permissions.map((p) => p.status)).toEqual([
      'unknown',
      'unknown',
      'unknown',
      'not-determined',
      'not-applicable',
    ]);
    await expect(svc.request('accessibility')).resolves.toMatchObject({ kind: 'accessibility' });
  });

  it('reports when System Settings cannot be opened', async () => {
    const svc = createPermissionsService({
      platform: 'darwin',
      logger: silentLogger(),
      systemPreferences: fakeTcc().api,
      screenCaptureProbe: async () => undefined,
      openSettingsPane: async () => {
        throw new Error('LSOpenURLsWithRole failed');
      },
    });
    expect(await svc.openSettings('camera')).toEqual({ opened: false });
  });
});

describe('Automation (Apple Events) for PowerPoint and Keynote on macOS', () => {
  const automationOf = async (svc: ReturnType<typeof service>['svc']) =>
    (await svc.status()).permissions.find((p) => p.kind === 'automation');
  const grantedTcc = () => {
    const tcc = fakeTcc({ camera: 'granted', microphone: 'granted', screen: 'granted' });
    tcc.grantAccessibility();
    return tcc;
  };

  it('before the prompt only checks what is installed: no Apple Event, no prompt, no app launched', async () => {
    const appleEvents = fakeAppleEvents({ [POWERPOINT]: {} });
    const { svc } = service('darwin', fakeTcc(), undefined, appleEvents);
    const report = await automationOf(svc);
    expect(report).toMatchObject({ status: 'not-determined', settingsUrl: settingsUrlFor('automation') });
    expect(report?.hint).toContain('Microsoft PowerPoint');
    expect(report?.hint).not.toContain('Keynote');
    expect(appleEvents.calls).toEqual([`${POWERPOINT}:check`, `${KEYNOTE}:check`]);
    expect(appleEvents.prompts).toEqual([]);
    expect(appleEvents.apps[POWERPOINT]?.running).toBe(false);
  });

  it('granted: one prompt per installed app, then granted without asking again', async () => {
    const appleEvents = fakeAppleEvents({ [POWERPOINT]: {}, [KEYNOTE]: { running: true } });
    const { svc, opened } = service('darwin', grantedTcc(), undefined, appleEvents);
    await svc.request('accessibility');
    expect(await automationOf(svc)).toMatchObject({ status: 'not-determined' });

    await expect(svc.request('automation')).resolves.toMatchObject({
      kind: 'automation',
      status: 'granted',
      hint: null,
      action: 'prompted',
    });
    expect(appleEvents.prompts).toEqual([POWERPOINT, KEYNOTE]);
    expect(appleEvents.apps[POWERPOINT]?.running).toBe(true); // launched so macOS could ask
    await expect(svc.request('automation')).resolves.toMatchObject({ status: 'granted', action: 'none' });
    expect((await svc.status()).complete).toBe(true);
    expect(appleEvents.prompts).toHaveLength(2);
    expect(opened).toEqual([]);
    expect(appleEvents.unexpected).toEqual([]);
  });

  it('denied (-1743): says how to allow it, opens the Automation pane instead of asking again, and sees a later grant', async () => {
    const appleEvents = fakeAppleEvents({ [KEYNOTE]: { answer: 'denied' } });
    const { svc, opened } = service('darwin', grantedTcc(), undefined, appleEvents);
    await svc.request('accessibility');

    const first = await svc.request('automation');
    expect(first).toMatchObject({ status: 'denied', action: 'prompted' });
    expect(first.hint).toContain('System Settings › Privacy & Security › Automation');
    expect(first.hint).toContain('Keynote');
    expect(first.hint).toContain('-1743');

    await expect(svc.request('automation')).resolves.toMatchObject({ status: 'denied', action: 'opened-settings' });
    expect(opened).toEqual([settingsUrlFor('automation')]);
    expect(appleEvents.prompts).toEqual([KEYNOTE]);

    const keynote = appleEvents.apps[KEYNOTE];
    if (!keynote) throw new Error('Keynote missing from the fake');
    keynote.grant = 'granted'; // switched on in System Settings
    expect(await automationOf(svc)).toMatchObject({ status: 'granted', hint: null });
    expect((await svc.status()).complete).toBe(true);
  });

  it('re-checks a refused app only while it runs, so a status read never launches it', async () => {
    const appleEvents = fakeAppleEvents({ [POWERPOINT]: { answer: 'denied' } });
    const { svc } = service('darwin', fakeTcc(), undefined, appleEvents);
    await svc.request('automation');
    const powerpoint = appleEvents.apps[POWERPOINT];
    if (!powerpoint) throw new Error('PowerPoint missing from the fake');
    powerpoint.running = false;
    appleEvents.calls.length = 0;

    expect(await automationOf(svc)).toMatchObject({ status: 'denied' });
    expect(appleEvents.calls).toEqual([`${POWERPOINT}:recheck`]);
    expect(powerpoint.running).toBe(false);
  });

  it('not installed: neither PowerPoint nor Keynote means nothing to allow, and nothing is asked', async () => {
    const appleEvents = fakeAppleEvents();
    const { svc, opened } = service('darwin', grantedTcc(), undefined, appleEvents);
    expect(await automationOf(svc)).toMatchObject({ status: 'not-applicable', hint: null });
    await expect(svc.request('automation')).resolves.toMatchObject({ status: 'not-applicable', action: 'none' });
    expect(appleEvents.calls.every((call) => call.endsWith(':check'))).toBe(true);
    expect(appleEvents.prompts).toEqual([]);
    expect(opened).toEqual([]);
  });

  it('a probe that cannot run reports unknown with a hint, never granted', async () => {
    const { svc } = service('darwin', fakeTcc(), undefined, {
      ...fakeAppleEvents(),
      run: async () => {
        throw new Error('osascript is not available on this computer.');
      },
    });
    const report = await automationOf(svc);
    expect(report?.status).toBe('unknown');
    expect(report?.hint).toContain('could not check');
  });
});
