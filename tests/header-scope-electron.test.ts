import * as electron from 'electron';
import { beforeEach, describe, expect, it } from 'vitest';
import { installHeaderScope, installPageApiAuthIfConfigured } from '../apps/desktop/header-scope.electron';
import { KIOSK_PARTITION } from '../kiosk/window-policy';
import { captureLogger } from './fakes/services';

const fake = electron as unknown as typeof import('./fakes/electron');
const API = 'https://api.example-events.com';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZXZpY2UifQ.sig';

beforeEach(() => fake.resetFakeElectron());

function install(
  credentials: () => Promise<Record<string, string>> = async () => ({ Authorization: `Bearer ${JWT}` }),
) {
  const session = fake.session.fromPartition(KIOSK_PARTITION);
  const capture = captureLogger();
  installHeaderScope({ session: session as never, apiBaseUrl: `${API}/v3`, credentials, logger: capture.logger });
  const entry = session.webRequestListeners.get('onBeforeSendHeaders');
  /** What Electron would send for a request to `url`, through the installed listener. */
  const send = (url: string, requestHeaders: Record<string, string> = { Accept: 'application/json' }) =>
    new Promise<Record<string, string>>((resolve) =>
      entry!.listener!({ url, requestHeaders, method: 'GET' }, (response: { requestHeaders: Record<string, string> }) =>
        resolve(response.requestHeaders),
      ),
    );
  return { entry, send, capture };
}

describe("device credentials on the page's API requests (opt-in)", () => {
  it('filters on the exact API origin and adds the bearer token only there', async () => {
    const { entry, send } = install();
    expect(entry?.filter).toEqual({ urls: [`${API}/*`] });
    await expect(send(`${API}/v3/crud/event_file?event_id=e`)).resolves.toEqual({
      Accept: 'application/json',
      Authorization: `Bearer ${JWT}`,
    });
  });

  it('re-checks the origin inside the listener: look-alikes that a pattern could match get nothing', async () => {
    const { send } = install();
    for (const url of [
      `${API}.evil.test/v3`,
      'http://api.example-events.com/v3',
      `${API}:8443/v3`,
      'https://evil.test/?u=https://api.example-events.com/',
      'https://user@evil.test/',
    ]) {
      await expect(send(url), url).resolves.toEqual({ Accept: 'application/json' });
    }
  });

  it('sends the request unchanged, and logs without the token, when no credentials can be had', async () => {
    const { send, capture } = install(async () => {
      throw new Error('no session yet');
    });
    await expect(send(`${API}/v3/health`)).resolves.toEqual({ Accept: 'application/json' });
    expect(capture.messages().some((m) => m.includes('request sent without them'))).toBe(true);
    expect(JSON.stringify(capture.lines)).not.toContain(JWT);
  });

  it('refuses an API that is not https', () => {
    const session = fake.session.fromPartition(KIOSK_PARTITION);
    expect(() =>
      installHeaderScope({
        session: session as never,
        apiBaseUrl: 'http://api.example-events.com',
        credentials: async () => ({}),
        logger: captureLogger().logger,
      }),
    ).toThrow(/https API origin/);
    expect(session.webRequestListeners.size).toBe(0);
  });
});

describe('the switch the composition root reads', () => {
  const options = (env: Record<string, string>, apiBaseUrl = API, token: string | null = JWT) => ({
    env,
    apiBaseUrl,
    session: fake.session.fromPartition(KIOSK_PARTITION) as never,
    logger: captureLogger().logger,
    deviceSession: async () => (token ? { token } : null),
  });

  it('is off by default: no listener on the kiosk session', () => {
    expect(installPageApiAuthIfConfigured(options({}))).toBeNull();
    expect(fake.session.fromPartition(KIOSK_PARTITION).webRequestListeners.size).toBe(0);
  });

  it("AETHER_PAGE_API_AUTH=1 installs it with the device session's JWT as bearer", async () => {
    expect(installPageApiAuthIfConfigured(options({ AETHER_PAGE_API_AUTH: '1' }))?.apiOrigin).toBe(API);
    const entry = fake.session.fromPartition(KIOSK_PARTITION).webRequestListeners.get('onBeforeSendHeaders');
    const headers = await new Promise((resolve) =>
      entry!.listener!({ url: `${API}/v3/health`, requestHeaders: {} }, (r: { requestHeaders: unknown }) =>
        resolve(r.requestHeaders),
      ),
    );
    expect(headers).toEqual({ Authorization: `Bearer ${JWT}` });
  });

  it('logs and stays off for an http API instead of failing the start', () => {
    expect(installPageApiAuthIfConfigured(options({ AETHER_PAGE_API_AUTH: '1' }, 'http://127.0.0.1:4010'))).toBeNull();
    expect(fake.session.fromPartition(KIOSK_PARTITION).webRequestListeners.size).toBe(0);
  });
});
