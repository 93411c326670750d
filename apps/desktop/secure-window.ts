import { BrowserWindow, type BrowserWindowConstructorOptions } from 'electron';
import { secureWebPreferences, type WebPreferencesInput } from '../../kiosk/window-policy';

/**
 * The only place the app constructs a BrowserWindow (tests/kiosk-wiring.test.ts checks the source for
 * any other). The secured webPreferences are applied last, so no caller can weaken them.
 */
export type SecureWindowOptions = Omit<BrowserWindowConstructorOptions, 'webPreferences'> & {
  webPreferences: WebPreferencesInput;
};

export function createSecureWindow({ webPreferences, ...options }: SecureWindowOptions): BrowserWindow {
  const preferences = secureWebPreferences(webPreferences) satisfies NonNullable<
    BrowserWindowConstructorOptions['webPreferences']
  >;
  return new BrowserWindow({ ...options, webPreferences: preferences });
}
