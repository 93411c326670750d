import { describe, expect, it } from 'vitest';
import { installPathFor } from '../update-helper/install-location';

describe('install location', () => {
  it('is the outermost .app bundle on macOS', () => {
    expect(installPathFor('darwin', '/Applications/Aether.app/Contents/MacOS/Aether', {})).toBe(
      '/Applications/Aether.app',
    );
    expect(
      installPathFor(
        'darwin',
        '/Applications/Aether.app/Contents/Frameworks/Aether Helper.app/Contents/MacOS/Aether Helper',
        {},
      ),
    ).toBe('/Applications/Aether.app');
    expect(installPathFor('darwin', '/usr/local/bin/aether', {})).toBeNull();
  });

  it('is the AppImage file, not its temporary mount, on Linux', () => {
    expect(installPathFor('linux', '/tmp/.mount_AetherXyz/aether', { APPIMAGE: '/opt/Aether.AppImage' })).toBe(
      '/opt/Aether.AppImage',
    );
    expect(installPathFor('linux', '/opt/aether/aether', {})).toBe('/opt/aether');
  });

  it('is absent on Windows', () => {
    expect(installPathFor('win32', 'C:\\Program Files\\Aether\\Aether.exe', {})).toBeNull();
  });
});
