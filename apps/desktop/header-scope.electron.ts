import type { Session } from 'electron';
import type { Logger } from '../../base/logger';
import { createHeaderScope, type HeaderScope } from '../../kiosk/header-scope';
import { webOriginOf } from '../../kiosk/origins';

/**
 * Optional: adds device credentials to the launcher's own requests to the API origin
 * (kiosk/header-scope.ts). Off by default — the page gets its JWT through `device.session` — and
 * installed only when the composition root is configured to (AETHER_PAGE_API_AUTH=1). The URL filter
 * narrows the listener to the API origin; the listener checks the exact origin again for each
 * request, since a filter pattern is not an origin comparison.
 */

/** The environment switch main.ts reads. */
export const PAGE_API_AUTH_ENV = 'AETHER_PAGE_API_AUTH';

export interface HeaderScopeWiring {
  session: Pick<Session, 'webRequest'>;
  /** The API base URL that answered (https only; anything else throws from createHeaderScope). */
  apiBaseUrl: string;
  /** Read per matching request, so a renewed JWT is used at once. */
  credentials: () => Promise<Record<string, string>>;
  logger: Logger;
}

export function installHeaderScope({ session, apiBaseUrl, credentials, logger }: HeaderScopeWiring): HeaderScope {
  let latest: Record<string, string> = {};
  const scope = createHeaderScope(apiBaseUrl, () => latest);
  session.webRequest.onBeforeSendHeaders({ urls: [`${scope.apiOrigin}/*`] }, (details, callback) => {
    const unchanged = () => callback({ requestHeaders: details.requestHeaders });
    // Only requests to the exact API origin wait for credentials; headersFor checks it once more.
    if (webOriginOf(details.url) !== scope.apiOrigin) return unchanged();
    credentials().then(
      (current) => {
        latest = current;
        callback({ requestHeaders: scope.headersFor(details.url, details.requestHeaders) });
      },
      (error: unknown) => {
        logger.warn(
          { err: error, origin: scope.apiOrigin },
          'device credentials unavailable; request sent without them',
        );
        unchanged();
      },
    );
  });
  logger.info({ origin: scope.apiOrigin }, "device credentials are added to the page's requests to the API origin");
  return scope;
}

export interface PageApiAuthOptions extends Omit<HeaderScopeWiring, 'credentials'> {
  env: Readonly<Record<string, string | undefined>>;
  /** DeviceService.session: the JWT the page would otherwise fetch through the bridge. */
  deviceSession: () => Promise<{ token: string } | null>;
}

export class NoDeviceSessionError extends Error {
  override readonly name = 'NoDeviceSessionError';
  constructor() {
    super('No JWT is known yet (never authenticated, or it expired while offline).');
  }
}

/** Installs the header scope only when switched on; an unusable API URL is logged, never fatal. */
export function installPageApiAuthIfConfigured({
  env,
  deviceSession,
  ...wiring
}: PageApiAuthOptions): HeaderScope | null {
  if (env[PAGE_API_AUTH_ENV] !== '1') return null;
  const credentials = async () => {
    const session = await deviceSession();
    if (!session) throw new NoDeviceSessionError();
    return { Authorization: `Bearer ${session.token}` };
  };
  try {
    return installHeaderScope({ ...wiring, credentials });
  } catch (error) {
    wiring.logger.warn({ err: error, env: PAGE_API_AUTH_ENV }, 'device credentials not added to page requests');
    return null;
  }
}
