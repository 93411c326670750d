/**
 * Where file bytes come from: `GET <base>/v3/files/{sha256}` on each base URL in try order.
 * The composition root adapts the provisioning API client to this; the headers carry the API key
 * or a bearer JWT and stay in the main process (never logged, never sent to the page).
 */
export interface FileSource {
  /** Base URLs (no trailing slash) in the order to try them: the last one that answered first. */
  baseUrls(): readonly string[];
  /** Auth headers for one request; called before every attempt so a refreshed JWT is used. */
  headers(): Promise<Record<string, string>>;
  /** Told which base answered, so the next call (of any module) tries it first. */
  reportAnswered?(base: string): void;
}

/** A fixed list of bases and one API key: for the CLI, tests and benchmarks. */
export function staticFileSource(baseUrls: readonly string[], apiKey: string | null): FileSource {
  const bases = baseUrls.map((b) => b.replace(/\/+$/, ''));
  return {
    baseUrls: () => bases,
    headers: async (): Promise<Record<string, string>> => (apiKey ? { 'x-api-key': apiKey } : {}),
  };
}

export function fileUrl(base: string, sha256: string): string {
  return `${base}/v3/files/${sha256}`;
}
