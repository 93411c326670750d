import type { SiteDomain } from '../contracts/api';

/**
 * The site domain of the list whose `app_base_url` is the device's: same origin and same path
 * (trailing slashes ignored). The API filters by app_base_url, but a list that ignores the filter
 * must not hand this kiosk another site's origins for navigation and the bridge.
 */
export function matchingSiteDomain(items: readonly SiteDomain[], deviceAppBaseUrl: string): SiteDomain | null {
  const wanted = comparable(deviceAppBaseUrl);
  if (wanted === null) return null;
  return items.find((item) => comparable(item.app_base_url) === wanted) ?? null;
}

function comparable(url: string): string | null {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
  } catch {
    return null;
  }
}
