import path from 'node:path';
import type { Platform } from '../base/platform';

/**
 * What the swap replaces, from the running executable: the `.app` bundle around it on macOS, the
 * AppImage file itself on Linux (`$APPIMAGE`; the executable runs from a temporary mount), else the
 * folder of an unpacked build. `null` on Windows, which updates through its installer.
 */
export function installPathFor(
  platform: Platform,
  exePath: string,
  env: Record<string, string | undefined>,
): string | null {
  if (platform === 'darwin') {
    const parts = exePath.split('/');
    const bundle = parts.findIndex((p) => p.endsWith('.app'));
    return bundle > 0 ? parts.slice(0, bundle + 1).join('/') : null;
  }
  if (platform === 'linux') return env.APPIMAGE ? path.resolve(env.APPIMAGE) : path.dirname(exePath);
  return null;
}
