import type { Logger } from 'pino';
import type { CacheService } from './cache';
import type { DeviceService } from './device';
import type { LaunchService } from './launch';
import type { SenderLimits } from './limits';
import type { PermissionsService } from './permissions';
import type { SenderPolicy } from './sender-check';
import type { UpdateService } from './update';

/**
 * Everything the procedures may call, built once by the composition root (apps/desktop/main.ts)
 * and by tests with fakes. Each group declares the service it needs in its own file.
 */
export interface Services {
  logger: Logger;
  senderPolicy: SenderPolicy;
  device: DeviceService;
  cache: CacheService;
  launch: LaunchService;
  permissions: PermissionsService;
  update: UpdateService;
  /** Per-window budgets (router/limits.ts); one set per services object when absent. */
  limits?: SenderLimits;
}
