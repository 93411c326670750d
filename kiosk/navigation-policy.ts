import { createOriginAllowList, isLoopbackHostname, isWebUrl, parseUrl, type OriginAllowList } from './origins';

/**
 * The navigation lock's decision (DESIGN §9): may the kiosk show this URL? Pure, so every hostile URL
 * is tested as a table; the Electron edge (apps/desktop/navigation-lock.ts) only applies the verdict.
 */

export interface NavigationPolicyConfig {
  /** The launcher origin plus the site domain's `allowed_origins` (ResolvedIdentity.allowedOrigins). */
  allowedOrigins: readonly string[];
  /** `app.isPackaged`: a packaged app never shows `http:`; development allows it for loopback only. */
  packaged: boolean;
  /** Open a refused http(s) link in the OS browser instead of dropping it. Off by default. */
  openRefusedLinksExternally?: boolean;
}

export type RefusalReason =
  'unparsable' | 'scheme-not-allowed' | 'credentials-in-url' | 'insecure-http' | 'foreign-origin';

export type NavigationVerdict =
  | { allow: true; url: string }
  | {
      allow: false;
      reason: RefusalReason;
      /** The refused URL, shortened for the log line. */
      url: string;
      /** The full https/http URL to hand to the OS browser, or `null` to drop the navigation. */
      openExternally: string | null;
    };

export interface NavigationPolicy {
  readonly allowList: OriginAllowList;
  decide(rawUrl: unknown): NavigationVerdict;
}

/** How much of a refused URL is worth a log line: enough to recognise it, never a megabyte `data:` URL. */
export const LOGGED_URL_LIMIT = 300;

export function urlForLog(rawUrl: unknown): string {
  const text = typeof rawUrl === 'string' ? rawUrl : String(rawUrl);
  return text.length > LOGGED_URL_LIMIT ? `${text.slice(0, LOGGED_URL_LIMIT)}…(${text.length} chars)` : text;
}

export function createNavigationPolicy(config: NavigationPolicyConfig): NavigationPolicy {
  const allowList = createOriginAllowList(
    config.allowedOrigins.filter((origin) => httpAllowed(origin, config.packaged)),
  );
  const externalFor = (url: URL): string | null => (config.openRefusedLinksExternally === true ? url.href : null);

  return {
    allowList,
    decide(rawUrl) {
      const shown = urlForLog(rawUrl);
      const url = parseUrl(rawUrl);
      if (!url) return refuse('unparsable', shown);
      if (!isWebUrl(url)) return refuse('scheme-not-allowed', shown);
      if (url.username !== '' || url.password !== '') return refuse('credentials-in-url', shown);
      if (url.protocol === 'http:' && !httpAllowed(url.href, config.packaged))
        return refuse('insecure-http', shown, externalFor(url));
      if (!allowList.allows(url.href)) return refuse('foreign-origin', shown, externalFor(url));
      return { allow: true, url: url.href };
    },
  };
}

function refuse(reason: RefusalReason, url: string, openExternally: string | null = null): NavigationVerdict {
  return { allow: false, reason, url, openExternally };
}

/** `http:` is refused in the packaged app; in development only loopback (the simulator) may use it. */
function httpAllowed(raw: string, packaged: boolean): boolean {
  const url = parseUrl(raw);
  if (!url || url.protocol !== 'http:') return true;
  return !packaged && isLoopbackHostname(url.hostname);
}
