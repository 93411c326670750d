import { Writable } from 'node:stream';
import pino from 'pino';
import { createLogger } from '../../base/logger';
import type { DeviceInfo, DeviceService, DeviceSession, DeviceStatus } from '../../router/device';
import type { Services } from '../../router/services';
import type { SenderPolicy } from '../../router/sender-check';

/** A stream that keeps the JSON lines a logger writes. */
function lineCapture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n'))
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

/** A pino logger whose JSON lines are kept for assertions. */
export function captureLogger(level = 'debug') {
  const { lines, stream } = lineCapture();
  return { logger: pino({ level }, stream), lines, messages: () => lines.map((l) => String(l.msg)) };
}

/** Like captureLogger, but through the app's createLogger: its redaction of secrets, JWTs and stacks applies. */
export function captureAppLogger(secrets: readonly string[] = []) {
  const { lines, stream } = lineCapture();
  return {
    logger: createLogger({ level: 'debug', secrets: () => secrets, destination: stream }),
    lines,
    messages: () => lines.map((l) => String(l.msg)),
  };
}

/** A group service nobody in this test should touch: any call names the group and fails. */
export function unusedService<T extends object>(group: string): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      return () => {
        throw new Error(`the ${group} service is not part of this test (called ${String(prop)})`);
      };
    },
  });
}

export const DEMO_DEVICE = {
  event_device_id: 'dbgMWS3KEHE',
  name: 'Ballroom A lectern',
  event_id: 'ev_2026_summit',
  event_location_id: 'loc_ballroom_a',
  app_base_url: 'https://summit.example-events.com',
  mode: 'native' as const,
  check_event_loop_period: 15,
  ui_refresh_period: 5,
};

/** A device service whose status the test drives with `publish`. */
export function fakeDeviceService(
  overrides: Partial<{ info: DeviceInfo; session: DeviceSession | null; status: DeviceStatus }> = {},
) {
  const listeners = new Set<(s: DeviceStatus) => void>();
  let status: DeviceStatus = overrides.status ?? {
    state: { kind: 'authenticating', api: 'http://127.0.0.1:1' },
    api: null,
    connectivity: 'unknown',
    secretStorage: { encrypted: true, backend: 'gnome_libsecret', note: 'The JWT is encrypted by the OS keyring.' },
  };
  const info: DeviceInfo = overrides.info ?? {
    device: DEMO_DEVICE,
    paths: { cache: '/cache', temp: '/cache/launch', logs: '/logs' },
    mode: 'native',
    appVersion: '0.1.0',
  };
  const session =
    overrides.session === undefined
      ? { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', expires_at: '2026-11-23T00:00:00.000Z' }
      : overrides.session;
  const service: DeviceService = {
    info: () => info,
    session: async () => session,
    status: () => status,
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    service,
    listenerCount: () => listeners.size,
    publish(next: DeviceStatus) {
      status = next;
      for (const listener of listeners) listener(next);
    },
  };
}

export function fakeServices(
  parts: { logger: Services['logger']; senderPolicy: SenderPolicy; device: DeviceService } & Partial<Services>,
): Services {
  return {
    cache: unusedService('cache'),
    launch: unusedService('launch'),
    permissions: unusedService('permissions'),
    update: unusedService('update'),
    ...parts,
  };
}
