/**
 * The three modes of the launcher page (DESIGN §2):
 * - `native`: inside Aether Native; the preload exposed `window.electronTRPC`.
 * - `onsite`: a plain browser on an onsite laptop: `?mode=onsite` in the page URL, or the app's own
 *   configuration says so (`detectMode({ onsite: true })`, e.g. from a build-time flag).
 * - `default`: any other browser.
 */
export type PageMode = 'native' | 'onsite' | 'default';

/** The part of `window` the kit looks at; `globalThis` in the page, a plain object in tests. */
export interface PageGlobal {
  electronTRPC?: unknown;
  location?: { search: string };
}

export interface DetectModeOptions {
  /** The launcher is deployed for onsite laptops: Onsite unless the bridge is there. */
  onsite?: boolean;
  win?: PageGlobal;
}

export function pageGlobal(): PageGlobal {
  return globalThis as PageGlobal;
}

export function detectMode(options: DetectModeOptions = {}): PageMode {
  const win = options.win ?? pageGlobal();
  if (win.electronTRPC) return 'native';
  if (options.onsite === true) return 'onsite';
  const search = win.location?.search ?? '';
  return new URLSearchParams(search).get('mode') === 'onsite' ? 'onsite' : 'default';
}
