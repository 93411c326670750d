import { DeviceRecord, SiteDomain } from '../../contracts/api';
import type { GeneratedFileSpec } from './file-store';

/** Not a secret: the simulator's well-known key, so a demo seed works out of the box. */
export const DEMO_API_KEY = 'demo-aether-api-key-0123456789';

export const DEMO_DEVICE_ID = 'dbgMWS3KEHE';
export const DEMO_EVENT_ID = 'ev_2026_summit';
export const DEMO_LOCATION_ID = 'loc_ballroom_a';

const KIB = 1024;
const MIB = 1024 * KIB;

/** Sizes from tiny to tens of MiB, so progress bars and resumes have something to show. */
export const DEMO_FILES: readonly GeneratedFileSpec[] = [
  { filename: 'Agenda.txt', size: 300 },
  { filename: 'Speaker notes.pdf', size: 64 * KIB },
  { filename: 'Welcome.key', size: 1 * MIB },
  { filename: 'Sponsors loop.mp4', size: 8 * MIB },
  { filename: 'Keynote.pptx', size: 24 * MIB },
  // Spaces, accents and `&`: the names a download must keep (Content-Disposition, RFC 6266).
  { filename: 'Café & Crème – Partner intro.pptx', size: 2 * MIB },
  { filename: 'Résumé des échanges & actions.docx', size: 40 * KIB },
];

const HOUR = 3600_000;

/**
 * The demo event's files grouped into sessions around the current hour (one running, two later), so
 * the demo launcher always looks like a live event day; Agenda.txt belongs to the whole event.
 * Two simulators started in the same hour advertise identical records.
 */
export function demoFiles(now: number = Date.now()): GeneratedFileSpec[] {
  const hour = Math.floor(now / HOUR) * HOUR;
  const session = (id: string, title: string, fromHours: number, toHours: number) => ({
    id,
    title,
    starts_at: new Date(hour + fromHours * HOUR).toISOString(),
    ends_at: new Date(hour + toHours * HOUR).toISOString(),
  });
  const opening = session('ses_opening', 'Opening keynote', 0, 1);
  const partners = session('ses_partners', 'Partner showcase', 2, 3);
  const closing = session('ses_closing', 'Closing Q&A', 5, 6);
  const sessionOf: Record<string, ReturnType<typeof session>> = {
    'Keynote.pptx': opening,
    'Welcome.key': opening,
    'Sponsors loop.mp4': partners,
    'Café & Crème – Partner intro.pptx': partners,
    'Speaker notes.pdf': closing,
    'Résumé des échanges & actions.docx': closing,
  };
  return DEMO_FILES.map((spec) => {
    const s = sessionOf[spec.filename];
    return s ? { ...spec, session: s } : { ...spec };
  });
}

/** Seconds between launcher list refreshes per mode (DESIGN §2 defaults). */
export const DEMO_REFRESH_PERIODS = { default: 60, onsite: 15, native: 5 } as const;

/** The CONTRACTS.md example device, whose app is the simulator itself (it serves the demo launcher). */
export function demoDevice(
  baseUrl: string,
  timers: { ui_refresh_period?: number; check_event_loop_period?: number } = {},
): DeviceRecord {
  return DeviceRecord.parse({
    event_device_id: DEMO_DEVICE_ID,
    name: 'Ballroom A lectern',
    event_id: DEMO_EVENT_ID,
    event_location_id: DEMO_LOCATION_ID,
    app_base_url: baseUrl,
    mode: 'native',
    check_event_loop_period: timers.check_event_loop_period ?? 15,
    ui_refresh_period: timers.ui_refresh_period ?? DEMO_REFRESH_PERIODS.native,
  });
}

export function demoSiteDomain(
  baseUrl: string,
  refreshPeriods: { default: number; onsite: number; native: number } = DEMO_REFRESH_PERIODS,
): SiteDomain {
  const url = new URL(baseUrl);
  return SiteDomain.parse({
    site_domain_id: 'sd_summit_demo',
    app_base_url: baseUrl,
    site_domain: url.host,
    allowed_origins: [url.origin],
    refresh_periods: { ...refreshPeriods },
  });
}

/** The seed a laptop needs to use this simulator (CONTRACTS.md seed.json). */
export interface DemoSeed {
  event_device_id: string;
  primary_api_base_url: string | null;
  backup_api_base_url: string | null;
  onsite_api_base_url: string | null;
  aether_api_key: string | null;
  [extra: string]: unknown;
}

/** Site domains are matched on origin + path without a trailing slash, so `http://X/` finds `http://X`. */
export function normaliseAppBaseUrl(value: string): string | null {
  try {
    const url = new URL(value);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return null;
  }
}
