import { z } from 'zod';

/**
 * seed.json (CONTRACTS.md), the only schema of it. The default API URL is the build's, so the schema
 * is made per build: a missing or null primary URL becomes that default.
 */
export const SEED_ID_PATTERN = /^[A-Za-z0-9_-]+$/;
export const SEED_ID_MAX = 64;

const BaseUrl = z
  .url({ protocol: /^https?$/, error: 'must be an absolute http: or https: URL' })
  .transform((url) => url.replace(/\/+$/, ''));

export const SeedFields = {
  event_device_id: z
    .string()
    .min(1, 'is empty')
    .max(SEED_ID_MAX, `is longer than ${SEED_ID_MAX} characters`)
    .regex(SEED_ID_PATTERN, 'may only hold letters, digits, "_" and "-"'),
  primary_api_base_url: BaseUrl.nullish(),
  backup_api_base_url: BaseUrl.nullish(),
  onsite_api_base_url: BaseUrl.nullish(),
  aether_api_key: z.string().min(1, 'is empty').nullish(),
};

export const KNOWN_SEED_FIELDS: readonly string[] = Object.keys(SeedFields);

export function seedSchema(defaultApiUrl: string) {
  const fallback = defaultApiUrl.replace(/\/+$/, '');
  return z.object(SeedFields).transform((s) => ({
    event_device_id: s.event_device_id,
    primary_api_base_url: s.primary_api_base_url ?? fallback,
    backup_api_base_url: s.backup_api_base_url ?? null,
    onsite_api_base_url: s.onsite_api_base_url ?? null,
    aether_api_key: s.aether_api_key ?? null,
  }));
}

/** A validated seed, with the default API URL applied. */
export type Seed = z.output<ReturnType<typeof seedSchema>>;

/** Base URLs in failover order (primary → backup → onsite), without repeats. */
export function seedBaseUrls(seed: Seed): string[] {
  const urls = [seed.primary_api_base_url, seed.backup_api_base_url, seed.onsite_api_base_url];
  return [...new Set(urls.filter((u): u is string => typeof u === 'string'))];
}
