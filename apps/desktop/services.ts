import { TRPCError } from '@trpc/server';
import type { Logger } from '../../base/logger';
import type { DeviceService } from '../../router/device';
import type { SenderPolicy } from '../../router/sender-check';
import type { Services } from '../../router/services';

/**
 * Builds the services the router calls: the one place each group's service is created.
 * Groups whose wiring has not landed yet are seams: `pendingService(group)` answers every call with a
 * PRECONDITION_FAILED that names the group, so the page gets a clear error instead of a crash.
 * To wire a group, build it in main.ts (or a wiring file next to it) and pass it in `groups`.
 */
export interface ServiceParts {
  logger: Logger;
  senderPolicy: SenderPolicy;
  device: DeviceService;
  groups?: Partial<Pick<Services, 'cache' | 'launch' | 'permissions' | 'update'>>;
}

export function pendingService<T extends object>(group: string): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      if (typeof prop === 'symbol' || prop === 'then') return undefined;
      return () => {
        throw new TRPCError({ code: 'PRECONDITION_FAILED', message: `The ${group} service is not available in this build of Aether Native.` });
      };
    },
  });
}

export function buildServices({ logger, senderPolicy, device, groups = {} }: ServiceParts): Services {
  return {
    logger,
    senderPolicy,
    device,
    cache: groups.cache ?? pendingService('cache'),
    launch: groups.launch ?? pendingService('launch'),
    permissions: groups.permissions ?? pendingService('permissions'),
    update: groups.update ?? pendingService('update'),
  };
}
