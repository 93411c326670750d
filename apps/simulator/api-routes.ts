import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { SiteDomain } from '../../contracts/api';
import type { DeviceTokens } from './auth';
import { apiKeyHeader, apiKeyMatches, readBearer } from './credentials';
import { normaliseAppBaseUrl } from './demo-data';
import type { FileStore } from './file-store';
import { serveFile } from './file-route';
import type { PageSessions } from './page-sessions';
import { HttpError, readJsonBody, writeError, writeJson } from './http-json';

/** A device record as served: the demo one parses with DeviceRecord; test extras may not, on purpose. */
export type ServedDevice = { event_device_id: string } & Record<string, unknown>;

export interface ApiState {
  apiKey: string;
  tokens: DeviceTokens;
  devices: Map<string, ServedDevice>;
  siteDomains: SiteDomain[];
  files: FileStore;
  allowAnonymousDeviceRead: boolean;
  /** Demo only: plain-browser launcher pages read their event's list and bytes with a cookie. */
  pageSessions: PageSessions;
}

const AuthRequest = z.object({ event_device_id: z.string().min(1) });

const UNAUTHORISED = 'missing or invalid bearer token: get one from POST /v3/auth/device';

/** Routes of the Aether V3 API (CONTRACTS.md); false when the path is not one of them. */
export async function handleApi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  state: ApiState,
): Promise<boolean> {
  const path = url.pathname;
  const method = req.method ?? 'GET';

  if (path === '/v3/health') {
    if (method !== 'GET') return methodNotAllowed(res, 'GET');
    writeJson(res, 200, { ok: true });
    return true;
  }

  if (path === '/v3/auth/device') {
    if (method !== 'POST') return methodNotAllowed(res, 'POST');
    await authenticate(req, res, state);
    return true;
  }

  const deviceMatch = /^\/v3\/crud\/event_device\/([^/]+)$/.exec(path);
  if (deviceMatch?.[1]) {
    if (method !== 'GET') return methodNotAllowed(res, 'GET');
    const bearer = await readBearer(req, state.tokens);
    const anonymousOk = state.allowAnonymousDeviceRead && bearer.kind === 'missing';
    if (bearer.kind !== 'valid' && !anonymousOk) return unauthorised(res);
    const id = decodeURIComponent(deviceMatch[1]);
    const device = state.devices.get(id);
    if (!device) writeError(res, 404, `unknown event_device_id "${id}"`);
    else writeJson(res, 200, device);
    return true;
  }

  if (path === '/v3/crud/site_domain' || path === '/v3/crud/event_file') {
    if (method !== 'GET') return methodNotAllowed(res, 'GET');
    const pageEvent = state.pageSessions.eventOf(req);
    const pageMayRead =
      pageEvent !== null && (path === '/v3/crud/site_domain' || url.searchParams.get('event_id') === pageEvent);
    if (!pageMayRead && (await readBearer(req, state.tokens)).kind !== 'valid') return unauthorised(res);
    if (path === '/v3/crud/site_domain') listSiteDomains(url, res, state);
    else listEventFiles(url, res, state);
    return true;
  }

  const fileMatch = /^\/v3\/files\/([^/]+)$/.exec(path);
  if (fileMatch?.[1]) {
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
    const keyOk = apiKeyMatches(apiKeyHeader(req), state.apiKey);
    const pageEvent = state.pageSessions.eventOf(req);
    const pageOk = pageEvent !== null && state.files.listedFor(pageEvent, fileMatch[1]);
    if (!keyOk && !pageOk && (await readBearer(req, state.tokens)).kind !== 'valid') {
      writeError(res, 401, 'file bytes need a bearer token or a valid X-Api-Key header');
      return true;
    }
    const file = state.files.get(fileMatch[1]);
    if (!file) writeError(res, 404, `no file with sha256 ${fileMatch[1]}`);
    else serveFile(req, res, file);
    return true;
  }

  return false;
}

async function authenticate(req: IncomingMessage, res: ServerResponse, state: ApiState): Promise<void> {
  let body: unknown;
  try {
    body = await readJsonBody(req);
  } catch (err) {
    if (err instanceof HttpError) return writeError(res, err.status, err.message);
    throw err;
  }
  const parsed = AuthRequest.safeParse(body);
  if (!parsed.success) return writeError(res, 400, 'body must be JSON {"event_device_id": "<non-empty string>"}');
  const given = apiKeyHeader(req);
  if (!apiKeyMatches(given, state.apiKey)) {
    return writeError(res, 401, given === undefined ? 'missing X-Api-Key header' : 'the X-Api-Key is not valid');
  }
  const id = parsed.data.event_device_id;
  if (!state.devices.has(id)) return writeError(res, 404, `unknown event_device_id "${id}"`);
  writeJson(res, 200, await state.tokens.issue(id));
}

function listSiteDomains(url: URL, res: ServerResponse, state: ApiState): void {
  const wanted = url.searchParams.get('app_base_url');
  if (!wanted) return writeError(res, 400, 'query parameter app_base_url is required');
  const normalised = normaliseAppBaseUrl(wanted);
  if (!normalised) return writeError(res, 400, `app_base_url "${wanted}" is not an absolute URL`);
  writeJson(res, 200, { items: state.siteDomains.filter((d) => normaliseAppBaseUrl(d.app_base_url) === normalised) });
}

function listEventFiles(url: URL, res: ServerResponse, state: ApiState): void {
  const eventId = url.searchParams.get('event_id');
  if (!eventId) return writeError(res, 400, 'query parameter event_id is required');
  writeJson(res, 200, { items: state.files.list(eventId) });
}

function unauthorised(res: ServerResponse): true {
  writeError(res, 401, UNAUTHORISED, { 'WWW-Authenticate': 'Bearer' });
  return true;
}

function methodNotAllowed(res: ServerResponse, allow: string): true {
  writeError(res, 405, `method not allowed; use ${allow}`, { Allow: allow });
  return true;
}
