import type { PageMode } from './mode.js';

/** Seconds between list refreshes when the API says nothing (DESIGN §2). */
export const DEFAULT_REFRESH_SECONDS: Readonly<Record<PageMode, number>> = { native: 5, onsite: 15, default: 60 };

/** A misconfigured period must neither hammer the API nor freeze the page. */
export const MIN_REFRESH_SECONDS = 0.2;
export const MAX_REFRESH_SECONDS = 3600;

function usable(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0
    ? Math.min(MAX_REFRESH_SECONDS, Math.max(MIN_REFRESH_SECONDS, value))
    : null;
}

/**
 * The list refresh period of a mode: in Native the device record's `ui_refresh_period`; in a
 * plain browser the site domain's `refresh_periods[mode]`; else the kit's default.
 */
export function refreshSeconds(
  mode: PageMode,
  sources: { uiRefreshPeriod?: unknown; siteRefreshPeriods?: unknown },
  defaults: Readonly<Record<PageMode, number>> = DEFAULT_REFRESH_SECONDS,
): number {
  const fromApi =
    mode === 'native'
      ? usable(sources.uiRefreshPeriod)
      : usable((sources.siteRefreshPeriods as Record<string, unknown> | null | undefined)?.[mode]);
  return fromApi ?? defaults[mode];
}
