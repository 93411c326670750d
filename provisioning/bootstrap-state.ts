import type { DeviceRecord, SiteDomain } from '../contracts/api';

/**
 * The bootstrap state machine's states (DESIGN §3, §4). The splash, `device.status` and the
 * fleet status file all show the current one. Failures are states with a reason, never exceptions.
 */
export type BootstrapState =
  | { kind: 'seeking-seed'; waitingFor?: { folder: string; file: string }; problem?: string }
  | { kind: 'authenticating'; api: string | null }
  | { kind: 'identifying'; api: string }
  | { kind: 'hydrating'; api: string }
  | { kind: 'ready'; api: string; identity: ResolvedIdentity }
  | { kind: 'offline-ready'; identity: ResolvedIdentity; reason: string; since: string }
  | { kind: 'failed'; reason: string; retryAt: string | null };

export type BootstrapStateKind = BootstrapState['kind'];

/** What a finished bootstrap knows: enough to open the kiosk window, online or from the last good record. */
export interface ResolvedIdentity {
  seedPath: string;
  device: DeviceRecord;
  siteDomain: SiteDomain | null;
  /** Origins the kiosk may show: the launcher origin plus the site domain's allowed origins. */
  allowedOrigins: string[];
  targetUrl: string;
  /** The base URL that answered (or last answered, when offline). */
  api: string;
}
