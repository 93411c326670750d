import { beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { DeviceRecord } from '../contracts/api';
import type { BootstrapStateKind } from '../provisioning/bootstrap-state';
import { createNativeClient, detectMode, NotInNativeModeError, type BridgeOutputs } from '../router/client';
import type { DeviceStatus } from '../router/device';
import { createBridgeHandler } from '../apps/desktop/bridge-handler';
import { appRouter } from '../router/index';
import { LAUNCHER_URL, startBridge } from './fakes/bridge-harness';
import { FakeIpcMain, ipcMain, resetFakeElectron } from './fakes/electron';
import { DEMO_DEVICE } from './fakes/services';

beforeEach(() => resetFakeElectron());

describe('the bridge end to end (real electron-trpc handler and ipcLink over the fake IPC)', () => {
  it('answers device.get with the typed device record, paths, mode and version', async () => {
    const bridge = startBridge();
    const { client } = bridge.connect(bridge.openWindow('kiosk', LAUNCHER_URL));
    const info = await client.device.get.query();
    expect(info.device?.name).toBe('Ballroom A lectern');
    expect(info.device).toEqual(DEMO_DEVICE);
    expect(info).toMatchObject({
      mode: 'native',
      appVersion: '0.1.0',
      paths: { cache: '/cache', temp: '/cache/launch', logs: '/logs' },
    });
    expect(JSON.stringify(info)).not.toMatch(/api_key/i);
    expectTypeOf(info.device?.name).toEqualTypeOf<string | undefined>();
    expectTypeOf(info.device?.mode).toEqualTypeOf<DeviceRecord['mode'] | undefined>();
    expectTypeOf(info.mode).toEqualTypeOf<'native'>();
    expectTypeOf<BridgeOutputs['device']['status']['state']['kind']>().toEqualTypeOf<BootstrapStateKind>();
    expectTypeOf<BridgeOutputs['device']['status']['connectivity']>().toEqualTypeOf<DeviceStatus['connectivity']>();
  });

  it('hands the page the JWT through device.session and the state through device.status', async () => {
    const bridge = startBridge();
    const { client } = bridge.connect(bridge.openWindow('kiosk', LAUNCHER_URL));
    await expect(client.device.session.query()).resolves.toEqual({
      token: expect.stringMatching(/^eyJ/),
      expires_at: '2026-11-23T00:00:00.000Z',
    });
    const status = await client.device.status.query();
    expect(status.state.kind).toBe('authenticating');
    expect(status.secretStorage.encrypted).toBe(true);
  });

  it('streams status changes live through onStatus and stops listening when the page unsubscribes', async () => {
    const bridge = startBridge();
    const { client } = bridge.connect(bridge.openWindow('kiosk', LAUNCHER_URL));
    const seen: string[] = [];
    let resolveReady!: () => void;
    const ready = new Promise<void>((resolve) => {
      resolveReady = resolve;
    });
    const subscription = client.device.onStatus.subscribe(undefined, {
      onData(status) {
        seen.push(status.state.kind);
        if (status.state.kind === 'ready') resolveReady();
      },
    });
    await expect.poll(() => bridge.device.listenerCount()).toBe(1);
    const identity = {
      seedPath: '/seed.json',
      device: DEMO_DEVICE,
      siteDomain: null,
      allowedOrigins: [],
      targetUrl: LAUNCHER_URL,
      api: 'http://127.0.0.1:1',
    };
    bridge.device.publish({
      ...bridge.device.service.status(),
      state: { kind: 'hydrating', api: 'http://127.0.0.1:1' },
    });
    bridge.device.publish({
      ...bridge.device.service.status(),
      state: { kind: 'ready', api: 'http://127.0.0.1:1', identity },
      connectivity: 'online',
    });
    await ready;
    expect(seen).toEqual(['authenticating', 'hydrating', 'ready']);
    subscription.unsubscribe();
    await expect.poll(() => bridge.device.listenerCount()).toBe(0);
  });

  it('creates one client per page, so replies are not handled twice', async () => {
    const bridge = startBridge();
    const { renderer, client } = bridge.connect(bridge.openWindow('kiosk', LAUNCHER_URL));
    expect(renderer.runInPage(() => createNativeClient())).toBe(client);
    expect(renderer.listenerCount('electron-trpc')).toBe(1);
    await expect(client.device.get.query()).resolves.toMatchObject({ mode: 'native' });
  });

  it('keeps two pages apart: each gets its own answers', async () => {
    const bridge = startBridge();
    const first = bridge.connect(bridge.openWindow('kiosk', LAUNCHER_URL));
    const second = bridge.connect(bridge.openWindow('kiosk', LAUNCHER_URL));
    expect(second.client).not.toBe(first.client);
    const [a, b] = await Promise.all([first.client.device.get.query(), second.client.device.status.query()]);
    expect(a.mode).toBe('native');
    expect(b.state.kind).toBe('authenticating');
  });
});

describe('the frame guard around electron-trpc', () => {
  it('refuses to start when electron-trpc does not subscribe through the ipcMain it was handed, instead of running unguarded', () => {
    const elsewhere = new FakeIpcMain();
    expect(() =>
      createBridgeHandler({ ipcMain: elsewhere as never, router: appRouter, createContext: async () => ({}) as never }),
    ).toThrow(/subscribed 0 listeners on "electron-trpc".*frame guard/);
  });

  it('leaves ipcMain.on as it was once electron-trpc is built', () => {
    const before = ipcMain.on;
    createBridgeHandler({ ipcMain: ipcMain as never, router: appRouter, createContext: async () => ({}) as never });
    expect(ipcMain.on).toBe(before);
    expect(Object.prototype.hasOwnProperty.call(ipcMain, 'on')).toBe(false);
    expect(ipcMain.listenerCount('electron-trpc')).toBe(1);
  });
});

describe('the page-side client', () => {
  it('detects native, onsite and default mode', () => {
    expect(
      detectMode({ win: { electronTRPC: { sendMessage() {}, onMessage() {} }, location: { search: '?mode=onsite' } } }),
    ).toBe('native');
    expect(detectMode({ win: { location: { search: '?mode=onsite' } } })).toBe('onsite');
    expect(detectMode({ win: { location: { search: '?x=1&mode=onsite' } } })).toBe('onsite');
    expect(detectMode({ win: { location: { search: '?mode=native' } } })).toBe('default');
    expect(detectMode({ win: { location: { search: '' } } })).toBe('default');
    expect(detectMode({})).toBe('default');
  });

  it('refuses to build a native client outside Aether Native, saying what to do', () => {
    expect(() => createNativeClient()).toThrow(NotInNativeModeError);
    expect(() => createNativeClient()).toThrow(/detectMode\(\)/);
  });
});
