import { webOriginOf } from './origins';

/**
 * Which outgoing requests of the page may carry device credentials (DESIGN §9). Procedures are the
 * preferred path; where a header must be injected (session.webRequest.onBeforeSendHeaders) it goes
 * only to the exact API origin, and the listener asks this again for every request, because a URL
 * filter pattern alone is a prefix-style match.
 */
export interface HeaderScope {
  readonly apiOrigin: string;
  headersFor(requestUrl: unknown, existing: Readonly<Record<string, string>>): Record<string, string>;
}

export function createHeaderScope(apiBaseUrl: string, credentials: () => Record<string, string>): HeaderScope {
  const apiOrigin = webOriginOf(apiBaseUrl);
  if (apiOrigin === null || !apiOrigin.startsWith('https:'))
    throw new Error(`Device credentials need an https API origin, got ${apiBaseUrl}.`);
  return {
    apiOrigin,
    headersFor(requestUrl, existing) {
      const outgoing = { ...existing };
      if (webOriginOf(requestUrl) !== apiOrigin) return outgoing;
      return { ...outgoing, ...credentials() };
    },
  };
}
