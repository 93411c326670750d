/**
 * The API a seed without `primary_api_base_url` uses (CONTRACTS.md). The composition root and the
 * CLI pass it on; `AETHER_DEFAULT_API_URL` overrides it for staging builds.
 */
export const BUILD_DEFAULT_API_URL = 'https://api.example-events.com';

export function defaultApiUrl(env: Record<string, string | undefined>): string {
  return env.AETHER_DEFAULT_API_URL || BUILD_DEFAULT_API_URL;
}
