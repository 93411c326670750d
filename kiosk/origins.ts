/**
 * Exact web-origin parsing and comparison: the one place that decides whether two URLs share an
 * origin. Everything compares `URL.origin` values produced by the WHATWG parser, never string
 * prefixes, so look-alike hosts (`good.test.evil.test`), userinfo (`https://good@evil`), other
 * ports, trailing dots and IDN homographs (punycoded by the parser) never match an allowed origin.
 */

/** Longer inputs are refused before parsing: no legitimate launcher URL comes close. */
export const MAX_URL_LENGTH = 8192;

const WEB_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:']);

/**
 * The parser silently strips control characters (`java\nscript:`, a leading NUL); such input is
 * refused instead, so what is checked is exactly what was asked for.
 */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Parses an absolute URL; `null` for anything that is not a string, too long, has control characters, or is unparsable. */
export function parseUrl(raw: unknown): URL | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL_LENGTH || CONTROL_CHARACTERS.test(raw))
    return null;
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

export function isWebUrl(url: URL): boolean {
  return WEB_PROTOCOLS.has(url.protocol);
}

/** The origin of an http(s) URL, or `null` for other schemes (whose origins are opaque). */
export function webOriginOf(raw: unknown): string | null {
  const url = parseUrl(raw);
  return url && isWebUrl(url) ? url.origin : null;
}

/**
 * The canonical form of a configured origin (`https://host[:port]`, an optional single `/`).
 * Anything carrying credentials, a path, a query or a fragment is not an origin and yields `null`,
 * so a misconfigured entry can never widen the allow list.
 */
export function canonicalOrigin(raw: unknown): string | null {
  const url = parseUrl(raw);
  if (!url || !isWebUrl(url)) return null;
  if (url.username !== '' || url.password !== '') return null;
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') return null;
  if (typeof raw === 'string' && /[?#@]/.test(raw)) return null;
  return url.origin;
}

/** True only when both inputs are http(s) URLs or origins with exactly the same origin. */
export function isSameOrigin(a: unknown, b: unknown): boolean {
  const left = webOriginOf(a);
  return left !== null && left === webOriginOf(b);
}

/** Loopback hosts as the URL parser spells them (IPv6 keeps its brackets). */
export function isLoopbackHostname(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

export interface OriginAllowList {
  /** The canonical origins that are allowed, in configuration order, without duplicates. */
  readonly origins: readonly string[];
  /** Configured entries that were not valid origins (logged by the caller, never allowed). */
  readonly rejected: readonly string[];
  /** True when the URL (or origin string) is an http(s) URL whose origin is exactly one of `origins`. */
  allows(urlOrOrigin: unknown): boolean;
}

export function createOriginAllowList(entries: readonly string[]): OriginAllowList {
  const origins: string[] = [];
  const rejected: string[] = [];
  for (const entry of entries) {
    const origin = canonicalOrigin(entry);
    if (origin === null) rejected.push(entry);
    else if (!origins.includes(origin)) origins.push(origin);
  }
  const set = new Set(origins);
  return {
    origins,
    rejected,
    allows(urlOrOrigin) {
      const origin = webOriginOf(urlOrOrigin);
      return origin !== null && set.has(origin);
    },
  };
}
