import type { Platform } from '../base/platform';

/**
 * Which key presses the kiosk intercepts (DESIGN §9). Attendees must not close, quit, reload or leave
 * the launcher; event ops have one documented chord (docs/SECURITY.md, "Ops escape hatch") that
 * leaves kiosk mode for the rest of the session.
 */

/** The subset of Electron's `Input` (before-input-event) the decision needs. */
export interface KeyInput {
  type: string;
  key: string;
  control: boolean;
  meta: boolean;
  alt: boolean;
  shift: boolean;
}

export type ShortcutAction = 'pass' | 'block' | 'ops-escape';

/** Cmd+Option+Shift+K on macOS, Ctrl+Alt+Shift+K elsewhere. */
export const OPS_ESCAPE_KEY = 'k';

/** The accelerators of Electron's default menu that close, quit, reload, hide, minimise or open dev tools. */
const COMMAND_KEYS_BLOCKED = new Set(['w', 'q', 'r', 'm', 'h', 'i', 'j']);
const FUNCTION_KEYS_BLOCKED = new Set(['f4', 'f5', 'f11', 'f12', 'browserback', 'browserforward', 'browserrefresh']);

export function classifyShortcut(input: KeyInput, platform: Platform): ShortcutAction {
  if (input.type !== 'keyDown') return 'pass';
  const key = input.key.toLowerCase();
  const command = platform === 'darwin' ? input.meta : input.control;
  if (command && input.alt && input.shift && key === OPS_ESCAPE_KEY) return 'ops-escape';
  if (FUNCTION_KEYS_BLOCKED.has(key)) return 'block';
  if (input.alt && (key === 'arrowleft' || key === 'arrowright' || key === 'home')) return 'block';
  if (command && COMMAND_KEYS_BLOCKED.has(key)) return 'block';
  if (platform === 'darwin' && input.meta && input.control && key === 'f') return 'block';
  // Ctrl+Q/Ctrl+W also quit or close on Linux and Windows menus even when Cmd is the macOS modifier.
  if (input.control && (key === 'q' || key === 'w')) return 'block';
  return 'pass';
}
