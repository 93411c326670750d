import type { Session } from 'electron';
import { describe, expect, it } from 'vitest';
import { decidePermission } from '../kiosk/permission-policy';
import { createOriginAllowList } from '../kiosk/origins';

type RequestHandler = NonNullable<Parameters<Session['setPermissionRequestHandler']>[0]>;
type CheckHandler = NonNullable<Parameters<Session['setPermissionCheckHandler']>[0]>;
type PermissionName = Parameters<RequestHandler>[1] | Parameters<CheckHandler>[1];

/** Every permission Electron 45 can ask about; the type check below fails when Electron adds one. */
const ALL_PERMISSIONS = [
  'ar',
  'automatic-fullscreen',
  'background-fetch',
  'background-sync',
  'captured-surface-control',
  'clipboard-read',
  'clipboard-sanitized-write',
  'deprecated-sync-clipboard-read',
  'display-capture',
  'fileSystem',
  'fullscreen',
  'geolocation',
  'geolocation-approximate',
  'hand-tracking',
  'hid',
  'idle-detection',
  'keyboardLock',
  'local-fonts',
  'local-network',
  'local-network-access',
  'loopback-network',
  'media',
  'mediaKeySystem',
  'midi',
  'midiSysex',
  'nfc',
  'notifications',
  'openExternal',
  'payment-handler',
  'periodic-background-sync',
  'persistent-storage',
  'pointerLock',
  'screen-wake-lock',
  'sensors',
  'serial',
  'smart-card',
  'speaker-selection',
  'storage-access',
  'system-wake-lock',
  'top-level-storage-access',
  'usb',
  'vr',
  'web-app-installation',
  'web-printing',
  'window-management',
  'unknown',
] as const satisfies readonly PermissionName[];
const everyNameListed: Exclude<PermissionName, (typeof ALL_PERMISSIONS)[number]> extends never ? true : false = true;

const LAUNCHER = 'https://summit.example-events.com';
const allowList = createOriginAllowList([LAUNCHER, 'https://media.example-events.com']);

const ORIGINS = [
  ['allowed', `${LAUNCHER}/events/ev/launcher/loc`],
  ['second allowed', 'https://media.example-events.com/x'],
  ['foreign', 'https://evil.test/'],
  ['look-alike', 'https://summit.example-events.com.evil.test/'],
  ['userinfo', 'https://summit.example-events.com@evil.test/'],
  ['http downgrade', 'http://summit.example-events.com/'],
  ['file', 'file:///Users/ops/x.html'],
  ['missing', undefined],
] as const;
const FRAMES = [true, false] as const;
const MEDIA = [['video'], ['audio'], ['video', 'audio'], [], ['unknown'], ['video', 'screen']] as const;

describe('permission decisions: every permission × origin × frame', () => {
  it('lists every Electron permission name', () => expect(everyNameListed).toBe(true));

  const rows = ALL_PERMISSIONS.flatMap((permission) =>
    ORIGINS.flatMap(([label, url]) =>
      FRAMES.flatMap((isMainFrame) => MEDIA.map((mediaTypes) => ({ permission, label, url, isMainFrame, mediaTypes }))),
    ),
  );

  it(`grants exactly camera/microphone to an allowed main frame (${rows.length} cases)`, () => {
    const granted: string[] = [];
    for (const row of rows) {
      const decision = decidePermission(
        {
          permission: row.permission,
          requestingUrl: row.url,
          isMainFrame: row.isMainFrame,
          mediaTypes: row.mediaTypes,
        },
        allowList,
      );
      const expected =
        row.permission === 'media' &&
        row.isMainFrame &&
        (row.label === 'allowed' || row.label === 'second allowed') &&
        row.mediaTypes.length > 0 &&
        row.mediaTypes.every((t) => t === 'video' || t === 'audio');
      expect(decision.grant, JSON.stringify(row)).toBe(expected);
      if (decision.grant) granted.push(`${row.label}/${row.mediaTypes.join('+')}`);
    }
    expect(granted.sort()).toEqual([
      'allowed/audio',
      'allowed/video',
      'allowed/video+audio',
      'second allowed/audio',
      'second allowed/video',
      'second allowed/video+audio',
    ]);
  });

  it('says why it denies', () => {
    const ask = (over: Partial<Parameters<typeof decidePermission>[0]>) =>
      decidePermission(
        { permission: 'media', requestingUrl: LAUNCHER, isMainFrame: true, mediaTypes: ['video'], ...over },
        allowList,
      );
    expect(ask({ permission: 'display-capture' })).toEqual({ grant: false, reason: 'not-camera-or-microphone' });
    expect(ask({ isMainFrame: false })).toEqual({ grant: false, reason: 'sub-frame' });
    expect(ask({ embeddingOrigin: 'https://evil.test' })).toEqual({ grant: false, reason: 'sub-frame' });
    expect(ask({ requestingUrl: 'https://evil.test' })).toEqual({ grant: false, reason: 'foreign-origin' });
    expect(ask({ mediaTypes: [] })).toEqual({ grant: false, reason: 'media-type-not-allowed' });
  });
});
