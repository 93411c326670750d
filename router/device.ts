import type { DeviceStatus } from '../core/device-service';
import { cappedSubscription } from './limits';
import { trustedProcedure } from './sender-check';
import { router } from './trpc';

// The service contract is declared next to its implementation (core/device-service.ts).
export type {
  DeviceInfo,
  DeviceService,
  DeviceSession,
  DeviceStatus,
  PageDeviceRecord,
  SecretStorageNote,
} from '../core/device-service';

export const deviceRouter = router({
  get: trustedProcedure.query(({ ctx }) => ctx.services.device.info()),
  session: trustedProcedure.query(({ ctx }) => ctx.services.device.session()),
  status: trustedProcedure.query(({ ctx }) => ctx.services.device.status()),
  /** The current status at once, then every change: the splash shows bootstrap live. */
  onStatus: trustedProcedure.subscription(({ ctx }) =>
    cappedSubscription<DeviceStatus>(ctx, 'device.onStatus', (emit) => {
      emit.next(ctx.services.device.status());
      return ctx.services.device.onStatus((status) => emit.next(status));
    }),
  ),
});
