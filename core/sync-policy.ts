import type { Logger } from '../base/logger';
import type { BackgroundPolicy } from '../cache/service';
import type { DeviceRecord } from '../contracts/api';

type PolicyFields = Partial<Pick<DeviceRecord, 'sync_while_presenting' | 'max_download_mbps'>>;

/**
 * The bandwidth cap on background sync while a presentation plays under `throttle` and the device
 * record sets no `max_download_mbps` of its own (which, when set, wins: a higher value lifts it).
 * One background transfer at a time still ran at line rate and took 13 % of a core at 100 Mbit/s
 * (`npm run bench -- presenting`, docs/BENCHMARKS.md "A presentation playing"); the sync's CPU follows
 * its bytes and files (10–16 CPU-s per GB of 1 MB files), so a cap is what holds it under the 5 % of
 * a core a playing video can spare: 20 Mbit/s measured 2.9–4.8 % (worst 5.3 % on a busy machine),
 * 16 Mbit/s leaves a margin. 16 Mbit/s is 2 MB/s, ~7 GB an hour: a day's decks and videos still
 * arrive during a talk. A file the presenter asks for is never capped.
 */
export const PRESENTING_DEFAULT_MAX_MBPS = 16;

/**
 * A polite background (issue 12): while a presentation launched by the app runs, background sync
 * does what the device record's `sync_while_presenting` says (default `throttle`: one transfer, capped
 * at `max_download_mbps` or PRESENTING_DEFAULT_MAX_MBPS); otherwise it runs fully.
 * `max_download_mbps` caps background bytes always. Files asked to open ignore both.
 */
export function backgroundPolicyFor(device: PolicyFields | null, presenting: boolean): BackgroundPolicy {
  const mode = presenting ? (device?.sync_while_presenting ?? 'throttle') : 'full';
  const own = device?.max_download_mbps ?? null;
  return { mode, maxMbps: own ?? (mode === 'throttle' ? PRESENTING_DEFAULT_MAX_MBPS : null) };
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
