import type { Session } from 'electron';
import type { Logger } from 'pino';
import { webOriginOf, type OriginAllowList } from '../../kiosk/origins';
import { decidePermission, type PermissionQuery } from '../../kiosk/permission-policy';

/**
 * Installs the deny-by-default permission handlers (kiosk/permission-policy.ts) on a session.
 * Device choosers never open: the device handler and the `hid`/`serial`/`usb` checks say no, and
 * display capture (getDisplayMedia) is refused outright.
 */
export function installPermissionHandlers(session: Session, allowList: () => OriginAllowList, logger: Logger): void {
  const decide = (query: PermissionQuery, via: string): boolean => {
    const decision = decidePermission(query, allowList());
    if (!decision.grant)
      logger.info(
        {
          permission: query.permission,
          origin: webOriginOf(query.requestingUrl) ?? 'opaque',
          reason: decision.reason,
          via,
        },
        'permission denied',
      );
    return decision.grant;
  };

  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details && Array.isArray(details.mediaTypes) ? details.mediaTypes : [];
    callback(
      decide(
        { permission, requestingUrl: details.requestingUrl, isMainFrame: details.isMainFrame === true, mediaTypes },
        'request',
      ),
    );
  });

  session.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    decide(
      {
        permission,
        requestingUrl: details.requestingUrl ?? requestingOrigin,
        isMainFrame: details.isMainFrame === true,
        mediaTypes: details.mediaType ? [details.mediaType] : [],
        embeddingOrigin: details.embeddingOrigin,
      },
      'check',
    ),
  );

  session.setDevicePermissionHandler(() => false);
  session.setDisplayMediaRequestHandler((_request, callback) => {
    logger.info('display capture refused');
    callback(null);
  });
}
