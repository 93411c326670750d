import type { Logger } from '../../base/logger';
import type { CoreServices } from '../../core/create-core';
import type { PermissionsService } from '../../kiosk/permissions-service';
import type { SenderPolicy } from '../../router/sender-check';
import type { Services } from '../../router/services';

/**
 * The services the router calls: the core's groups plus the two the edge owns (the sender policy,
 * which knows the splash file, and permissions, which adapt Electron's systemPreferences). Every
 * group is required, so a group that is not wired is a type error here, not a runtime answer.
 */
export interface ServiceParts {
  logger: Logger;
  senderPolicy: SenderPolicy;
  core: CoreServices;
  permissions: PermissionsService;
}

export function buildServices({ logger, senderPolicy, core, permissions }: ServiceParts): Services {
  return {
    logger,
    senderPolicy,
    device: core.device,
    cache: core.cache,
    launch: core.launch,
    update: core.update,
    permissions,
  };
}
