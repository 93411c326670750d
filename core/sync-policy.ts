import type { Logger } from '../base/logger';
import type { BackgroundPolicy } from '../cache/service';
import type { DeviceRecord } from '../contracts/api';

type PolicyFields = Partial<Pick<DeviceRecord, 'sync_while_presenting' | 'max_download_mbps'>>;

/**
 * A polite background (issue 12): while a presentation launched by the app runs, background sync
 * does what the device record's `sync_while_presenting` says (default `throttle`); otherwise it runs
 * fully. `max_download_mbps` caps background bytes always. Files asked to open ignore both.
 */
export function backgroundPolicyFor(device: PolicyFields | null, presenting: boolean): BackgroundPolicy {
  return {
    mode: presenting ? (device?.sync_while_presenting ?? 'throttle') : 'full',
    maxMbps: device?.max_download_mbps ?? null,
  };
}

export interface SyncPolicyDeps {
  cache: { setBackgroundPolicy(policy: BackgroundPolicy): void };
  /** Whether a presentation the app launched is on screen and its app still runs (room telemetry). */
  presenting: () => boolean;
  device: () => PolicyFields | null;
  logger?: Logger;
}

/** Applies the policy now; the core calls it whenever the room's state or the device record changes. */
export function createSyncPolicyWiring(deps: SyncPolicyDeps): { apply(): void } {
  return {
    apply() {
      deps.cache.setBackgroundPolicy(backgroundPolicyFor(deps.device(), deps.presenting()));
    },
  };
}
