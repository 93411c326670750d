import { parseEventFileList, type LauncherFile } from './event-files.js';

/** How the page's own API calls authenticate: the JWT from the bridge, or the site's session cookie. */
export type ApiAuth = { kind: 'bearer'; token: () => Promise<string | null> } | { kind: 'cookie' };

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

async function request(apiBase: string, path: string, auth: ApiAuth, fetchFn: typeof fetch): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (auth.kind === 'bearer') {
    const token = await auth.token();
    if (!token) throw new ApiError('the app has no session for this device yet', null);
    headers.authorization = `Bearer ${token}`;
  }
  let res: Response;
  try {
    res = await fetchFn(`${apiBase}${path}`, {
      headers,
      credentials: auth.kind === 'cookie' ? 'include' : 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('the Aether API cannot be reached', null);
  }
  if (res.status === 401) throw new ApiError('the Aether API did not accept this page’s sign-in (401)', 401);
  if (!res.ok) throw new ApiError(`the Aether API answered ${res.status}`, res.status);
  try {
    return await res.json();
  } catch {
    throw new ApiError('the Aether API answered with something that is not JSON', res.status);
  }
}

export async function fetchEventFiles(
  apiBase: string,
  eventId: string,
  auth: ApiAuth,
  fetchFn: typeof fetch = fetch,
): Promise<LauncherFile[]> {
  const body = await request(apiBase, `/v3/crud/event_file?event_id=${encodeURIComponent(eventId)}`, auth, fetchFn);
  return parseEventFileList(body).files;
}

/** The site domain's `refresh_periods` for this launcher's origin, or null when it has none. */
export async function fetchSiteRefreshPeriods(
  apiBase: string,
  appBaseUrl: string,
  auth: ApiAuth,
  fetchFn: typeof fetch = fetch,
): Promise<Record<string, number> | null> {
  const body = (await request(
    apiBase,
    `/v3/crud/site_domain?app_base_url=${encodeURIComponent(appBaseUrl)}`,
    auth,
    fetchFn,
  )) as { items?: unknown };
  const first = Array.isArray(body.items) ? (body.items[0] as { refresh_periods?: unknown } | undefined) : undefined;
  const periods = first?.refresh_periods;
  if (typeof periods !== 'object' || periods === null) return null;
  const out: Record<string, number> = {};
  for (const [mode, value] of Object.entries(periods))
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) out[mode] = value;
  return out;
}

export function fileUrl(apiBase: string, sha256: string): string {
  return `${apiBase}/v3/files/${sha256}`;
}
