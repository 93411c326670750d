import type { Page } from 'playwright-core';
import { appRouter } from '../router/index';
import type { DeviceService, DeviceStatus } from '../router/device';
import type { Services } from '../router/services';
import { createCallerFactory, type Context } from '../router/trpc';
import { silentLogger } from '../apps/common/logger';
import type { DeviceRecord } from '../provisioning/api-schemas';

/**
 * Carries electron-trpc's renderer protocol ({method:'request', operation} out, {id, result} back)
 * over a Playwright page binding to the real router, called through tRPC's caller factory.
 * The device group is backed by a settable fake; pass `extra` to back other groups a test exercises.
 */
export interface PageBridge {
  setStatus(status: DeviceStatus): void;
  close(): void;
}

type Message = { method: 'request'; operation: { id: number; type: string; path: string; input: unknown } } | { method: 'subscription.stop'; id: number };

export function statusOf(kind: 'authenticating' | 'failed'): DeviceStatus {
  const state = kind === 'failed' ? { kind, reason: 'no network', retryAt: null } : { kind, api: null };
  return { state, api: null, connectivity: 'unknown', secretStorage: { encrypted: true, backend: 'test', note: '' } };
}

export async function installPageBridge(page: Page, device: DeviceRecord, extra: Partial<Services> = {}): Promise<PageBridge> {
  let status = statusOf('authenticating');
  const listeners = new Set<(s: DeviceStatus) => void>();
  const deviceService: DeviceService = {
    info: () => ({ device, paths: { cache: '/tmp/cache', temp: '/tmp/launch', logs: '/tmp/logs' }, mode: 'native', appVersion: '0.1.0-test' }),
    session: async () => null,
    status: () => status,
    onStatus: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const services = { logger: silentLogger(), senderPolicy: { isAllowed: () => true }, device: deviceService, ...extra } as unknown as Services;
  const sender: Context['sender'] = { webContentsId: 1, role: 'kiosk', isMainFrame: true, origin: new URL(device.app_base_url).origin, url: device.app_base_url };
  const caller = createCallerFactory(appRouter)({ sender, services });
  const stops = new Map<number, () => void>();

  const deliver = (message: unknown) => page.evaluate((m) => (window as unknown as { __bridgeDeliver(m: unknown): void }).__bridgeDeliver(m), message).catch(() => undefined);

  await page.exposeFunction('__bridgeSend', async (message: Message) => {
    if (message.method === 'subscription.stop') {
      stops.get(message.id)?.();
      return;
    }
    const { id, path, input, type } = message.operation;
    try {
      const procedure = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (input: unknown) => Promise<unknown>;
      const result = await procedure(input);
      if (type !== 'subscription') return void (await deliver({ id, result: { type: 'data', data: result } }));
      const observable = result as { subscribe(o: { next(v: unknown): void }): { unsubscribe(): void } };
      const subscription = observable.subscribe({ next: (data) => void deliver({ id, result: { type: 'data', data } }) });
      stops.set(id, () => subscription.unsubscribe());
    } catch (err) {
      await deliver({ id, error: { code: -32603, message: err instanceof Error ? err.message : String(err), data: { code: 'INTERNAL_SERVER_ERROR' } } });
    }
  });
  await page.addInitScript(() => {
    const handlers: Array<(m: unknown) => void> = [];
    const w = window as unknown as Record<string, unknown>;
    w.electronTRPC = {
      sendMessage: (m: unknown) => void (w.__bridgeSend as (m: unknown) => Promise<void>)(m),
      onMessage: (handler: (m: unknown) => void) => handlers.push(handler),
    };
    w.__bridgeDeliver = (m: unknown) => handlers.forEach((h) => h(m));
  });

  return {
    setStatus(next) {
      status = next;
      for (const listener of listeners) listener(next);
    },
    close() {
      for (const stop of stops.values()) stop();
    },
  };
}
