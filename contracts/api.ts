import { z } from 'zod';

/**
 * The Aether V3 API contract (CONTRACTS.md), in one place. The app's API client and the simulator
 * both import these schemas, so the simulator cannot drift from what the app accepts.
 */

export const SHA256_PATTERN = /^[0-9a-f]{64}$/;
export const Sha256 = z.string().regex(SHA256_PATTERN, 'must be 64 lower-case hex characters');

const HttpUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http: or https: URL' });

export const AuthResponse = z.object({
  token: z.string().min(1),
  expires_at: z.iso.datetime({ offset: true }),
});
export type AuthResponse = z.infer<typeof AuthResponse>;

export const DeviceMode = z.enum(['default', 'onsite', 'native']);
export type DeviceMode = z.infer<typeof DeviceMode>;

/** Extra fields are kept and passed through to the page (CONTRACTS.md). */
export const DeviceRecord = z.looseObject({
  event_device_id: z.string().min(1),
  name: z.string().optional(),
  event_id: z.string().min(1),
  event_location_id: z.string().min(1),
  app_base_url: HttpUrl,
  mode: DeviceMode,
  check_event_loop_period: z.number().positive().default(15),
  ui_refresh_period: z.number().positive().default(5),
  /**
   * File types `launch.open` may open beyond the built-in document and media list (e.g. ["pptm"]).
   * Executable and script types are ignored whatever is listed (kiosk/open-types.ts); a malformed
   * value is dropped rather than failing the whole record.
   */
  launch_extra_types: z.array(z.string().max(40)).max(100).optional().catch(undefined),
  /** Minutes between low-resolution kiosk screenshots next to the status file; null (the default): none. */
  screenshot_minutes: z
    .number()
    .positive()
    .max(24 * 60)
    .nullable()
    .optional()
    .catch(undefined),
  /** What background sync does while a presentation runs (CONTRACTS "Device record, optional fields"). */
  sync_while_presenting: z.enum(['pause', 'throttle', 'full']).optional().catch(undefined),
  max_download_mbps: z.number().positive().nullable().optional().catch(undefined),
});
export type DeviceRecord = z.infer<typeof DeviceRecord>;

export const SiteDomain = z.looseObject({
  site_domain_id: z.string().min(1),
  app_base_url: HttpUrl,
  site_domain: z.string().min(1),
  allowed_origins: z.array(HttpUrl).optional(),
  /** Seconds between launcher list refreshes per page mode (CONTRACTS.md "Refresh periods per mode"). */
  refresh_periods: z
    .object({ default: z.number().positive(), onsite: z.number().positive(), native: z.number().positive() })
    .partial()
    .optional(),
});
export type SiteDomain = z.infer<typeof SiteDomain>;

export const SiteDomainList = z.object({ items: z.array(SiteDomain) });

export const EventFile = z.looseObject({
  event_file_id: z.string().min(1),
  event_id: z.string().min(1),
  filename: z.string().min(1),
  sha256: Sha256,
  size: z.number().int().nonnegative(),
  updated_at: z.iso.datetime({ offset: true }),
  /** The session the file belongs to; files without one belong to the whole event and sync last. */
  session_id: z.string().min(1).optional(),
  session_title: z.string().optional(),
  session_starts_at: z.iso.datetime({ offset: true }).optional(),
  session_ends_at: z.iso.datetime({ offset: true }).optional(),
});
export type EventFile = z.infer<typeof EventFile>;

export const EventFileList = z.object({ items: z.array(EventFile) });

export const Health = z.object({ ok: z.literal(true) });

/** Launcher URL: `<app_base_url>/events/<event_id>/launcher/<event_location_id>`. */
export function launcherUrl(device: Pick<DeviceRecord, 'app_base_url' | 'event_id' | 'event_location_id'>): string {
  const base = device.app_base_url.replace(/\/+$/, '');
  return `${base}/events/${encodeURIComponent(device.event_id)}/launcher/${encodeURIComponent(device.event_location_id)}`;
}
