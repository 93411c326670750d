import { createIPCHandler } from 'electron-trpc/main';
import { beforeEach, describe, expect, it } from 'vitest';
import { bridgeErrorCode, type NativeClient } from '../router/client';
import { appRouter } from '../router/index';
import { LAUNCHER_ORIGIN, LAUNCHER_URL, SPLASH_URL, startBridge } from './fakes/bridge-harness';
import { BrowserWindow, FakeFrame, resetFakeElectron } from './fakes/electron';

beforeEach(() => resetFakeElectron());

async function failure(call: Promise<unknown>) {
  try {
    await call;
  } catch (err) {
    return err as { data?: { code?: string; stack?: string }; message: string };
  }
  throw new Error('the call was expected to be refused but succeeded');
}

async function expectForbidden(client: NativeClient) {
  const err = await failure(client.device.get.query());
  expect(bridgeErrorCode(err)).toBe('FORBIDDEN');
  expect(err.data?.code).toBe('FORBIDDEN');
  expect(err.message).toMatch(/may not use the Aether Native bridge/);
  return err;
}

describe('who may call the bridge (through the real electron-trpc handler)', () => {
  it('allows the kiosk main frame on a launcher origin and the splash page', async () => {
    const bridge = startBridge();
    const kiosk = bridge.connect(bridge.openWindow('kiosk', LAUNCHER_URL));
    const splash = bridge.connect(bridge.openWindow('splash', `${SPLASH_URL}#state`));
    await expect(kiosk.client.device.get.query()).resolves.toMatchObject({ mode: 'native' });
    await expect(splash.client.device.status.query()).resolves.toMatchObject({ state: { kind: 'authenticating' } });
    expect(bridge.refusals()).toHaveLength(0);
  });

  it.each([
    ['a window the app does not know', null, LAUNCHER_URL],
    ['a foreign origin in the kiosk', 'kiosk', 'https://evil.example.net/events/x'],
    ['a look-alike origin', 'kiosk', 'https://summit.example-events.com.evil.net/events/x'],
    ['the launcher host over plain http', 'kiosk', 'http://summit.example-events.com/events/x'],
    ['the launcher host on another port', 'kiosk', 'https://summit.example-events.com:8443/events/x'],
    ['the splash role showing another local file', 'splash', 'file:///tmp/evil/index.html'],
    ['the splash role showing a web page', 'splash', LAUNCHER_URL],
    ['the kiosk role showing the splash file', 'kiosk', SPLASH_URL],
  ] as const)('refuses %s with FORBIDDEN, logged once', async (_label, role, url) => {
    const bridge = startBridge();
    const { client } = bridge.connect(bridge.openWindow(role, url));
    await expectForbidden(client);
    expect(bridge.refusals()).toHaveLength(1);
    expect(bridge.refusals()[0]).toMatchObject({ path: 'device.get' });
  });

  it('refuses a same-origin iframe inside the kiosk page', async () => {
    const bridge = startBridge();
    const kiosk = bridge.openWindow('kiosk', LAUNCHER_URL);
    const iframe = kiosk.webContents.mainFrame.addChild({ url: `${LAUNCHER_ORIGIN}/embedded` });
    const { client } = bridge.connect(kiosk, iframe);
    await expectForbidden(client);
    expect(bridge.refusals()).toHaveLength(1);
  });

  it('refuses a message whose frame is already gone (null senderFrame) instead of hanging', async () => {
    const bridge = startBridge();
    const { renderer, client } = bridge.connect(bridge.openWindow('kiosk', LAUNCHER_URL));
    renderer.setSenderFrame(null);
    await expectForbidden(client);
    expect(bridge.refusals()).toEqual([expect.objectContaining({ origin: null, role: null })]);
  });

  it('refuses a message from a disposed frame (every read throws) instead of crashing main', async () => {
    const bridge = startBridge();
    const frame = new FakeFrame({ url: LAUNCHER_URL });
    const { client } = bridge.connect(bridge.openWindow('kiosk', LAUNCHER_URL), frame);
    frame.dispose();
    await expectForbidden(client);
    expect(bridge.refusals()).toHaveLength(1);
  });

  it('follows the allowed origins as bootstrap hydrates them', async () => {
    const bridge = startBridge({ kioskOrigins: [] });
    const { client } = bridge.connect(bridge.openWindow('kiosk', LAUNCHER_URL));
    await expectForbidden(client);
    bridge.setKioskOrigins([`${LAUNCHER_ORIGIN}/`]);
    await expect(client.device.get.query()).resolves.toMatchObject({ mode: 'native' });
  });
});

describe('what a refusal shows the page', () => {
  it('carries no stack trace in a packaged build', async () => {
    const bridge = startBridge({ development: false });
    const { client } = bridge.connect(bridge.openWindow(null, LAUNCHER_URL));
    const err = await expectForbidden(client);
    expect(err.data).not.toHaveProperty('stack');
    expect(JSON.stringify(err.data)).not.toMatch(/\.ts:\d+/);
  });

  it('carries the stack trace in development', async () => {
    const bridge = startBridge({ development: true });
    const { client } = bridge.connect(bridge.openWindow(null, LAUNCHER_URL));
    const err = await expectForbidden(client);
    expect(err.data?.stack).toMatch(/sender-check/);
  });

  it('hides an internal failure behind a generic message when packaged, and logs it', async () => {
    const bridge = startBridge();
    bridge.device.service.info = () => {
      throw new Error('disk exploded at /secret/path');
    };
    const { client } = bridge.connect(bridge.openWindow('kiosk', LAUNCHER_URL));
    const err = await failure(client.device.get.query());
    expect(bridgeErrorCode(err)).toBe('INTERNAL_SERVER_ERROR');
    expect(err.message).not.toMatch(/secret/);
    expect(err.message).toMatch(/details are in its log/);
    expect(
      bridge.capture.lines.some((l) => l.msg === 'bridge call failed' && JSON.stringify(l).includes('disk exploded')),
    ).toBe(true);
  });
});

describe('navigation with a frame that is gone (electron-trpc reads frame.routingId unchecked)', () => {
  function navigationDetails(frame: unknown) {
    return { isSameDocument: false, isMainFrame: true, frame, url: LAUNCHER_URL };
  }

  it('shows the upstream failure the guard exists for', () => {
    const win = new BrowserWindow();
    createIPCHandler({ router: appRouter, windows: [win as never] });
    expect(() => win.webContents.emit('did-start-navigation', navigationDetails(null))).toThrow(TypeError);
    const disposed = new FakeFrame({ url: LAUNCHER_URL });
    disposed.dispose();
    expect(() => win.webContents.emit('did-start-navigation', navigationDetails(disposed))).toThrow(
      /Render frame was disposed/,
    );
  });

  it.each([
    ['null', () => null],
    [
      'disposed',
      () => {
        const f = new FakeFrame({ url: LAUNCHER_URL });
        f.dispose();
        return f;
      },
    ],
  ])('does not throw for a %s main frame and closes the page subscriptions', async (_label, makeFrame) => {
    const bridge = startBridge();
    const kiosk = bridge.openWindow('kiosk', LAUNCHER_URL);
    const { client } = bridge.connect(kiosk);
    client.device.onStatus.subscribe(undefined, {});
    await expect.poll(() => bridge.device.listenerCount()).toBe(1);
    expect(() => kiosk.webContents.emit('did-start-navigation', navigationDetails(makeFrame()))).not.toThrow();
    expect(bridge.device.listenerCount()).toBe(0);
  });

  it('keeps the main frame subscriptions when an unreadable subframe navigates', async () => {
    const bridge = startBridge();
    const kiosk = bridge.openWindow('kiosk', LAUNCHER_URL);
    const { client } = bridge.connect(kiosk);
    client.device.onStatus.subscribe(undefined, {});
    await expect.poll(() => bridge.device.listenerCount()).toBe(1);
    kiosk.webContents.emit('did-start-navigation', { ...navigationDetails(null), isMainFrame: false });
    expect(bridge.device.listenerCount()).toBe(1);
  });
});
