import { launcherUrl, type DeviceRecord, type SiteDomain } from '../contracts/api';
import type { ResolvedIdentity } from './bootstrap-state';
import { matchingSiteDomain } from './site-domain-match';

/**
 * What the kiosk needs from a device record and its site domain (DESIGN §4 steps 5-6): the target
 * URL and the exact origins it may show (the launcher's plus the site domain's allowed ones).
 */
export function resolveIdentity(input: {
  seedPath: string;
  device: DeviceRecord;
  siteDomain: SiteDomain | null;
  api: string;
}): ResolvedIdentity {
  const targetUrl = launcherUrl(input.device);
  // A site domain of another site (kept by an older version in the last good record) adds no origin.
  const siteDomain = input.siteDomain ? matchingSiteDomain([input.siteDomain], input.device.app_base_url) : null;
  const extra = siteDomain?.allowed_origins ?? [siteDomain?.app_base_url ?? input.device.app_base_url];
  const allowedOrigins = [...new Set([new URL(targetUrl).origin, ...extra.map((url) => new URL(url).origin)])];
  return { seedPath: input.seedPath, device: input.device, siteDomain, allowedOrigins, targetUrl, api: input.api };
}
