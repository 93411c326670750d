import type { DeviceRecord } from '../contracts/api';
import type { BootstrapState } from '../provisioning/bootstrap-state';
import { cappedSubscription } from './limits';
import { trustedProcedure } from './sender-check';
import { router } from './trpc';

/**
 * The device record as the page's types see it. The record's index signature (extra fields pass
 * through at run time) would make tRPC's serialised output type every field `unknown`, so the
 * type keeps only the named fields.
 */
export type PageDeviceRecord = { [K in keyof DeviceRecord as string extends K ? never : K]: DeviceRecord[K] };

/** What `device.get` returns: who this laptop is and where it keeps things. Never the API key. */
export interface DeviceInfo {
  /** null until bootstrap has resolved an identity (the splash may ask earlier). */
  device: PageDeviceRecord | null;
  paths: { cache: string; temp: string; logs: string };
  mode: 'native';
  appVersion: string;
}

/** The JWT the page uses for its own API calls (DESIGN §5): the only secret that crosses the bridge. */
export interface DeviceSession {
  token: string;
  expires_at: string;
}

export interface SecretStorageNote {
  /** Whether the OS keychain encrypts the stored JWT. */
  encrypted: boolean;
  /** e.g. "keychain", "gnome_libsecret", "basic_text" */
  backend: string;
  note: string;
}

export interface DeviceStatus {
  state: BootstrapState;
  /** The API base URL in use (the one that answered last), or null before any did. */
  api: string | null;
  connectivity: 'online' | 'offline' | 'unknown';
  secretStorage: SecretStorageNote;
}

export interface DeviceService {
  info(): DeviceInfo;
  /** null when no JWT is known (never authenticated, or it expired while offline). */
  session(): Promise<DeviceSession | null>;
  status(): DeviceStatus;
  /** Calls the listener on every status change; returns the unsubscribe function. */
  onStatus(listener: (status: DeviceStatus) => void): () => void;
}

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
