import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthResponse, DeviceRecord, EventFileList, Health } from '../contracts/api';
import { startSimulator, type Simulator } from '../apps/simulator/index';

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ files: [{ filename: 'Tiny.txt', size: 100 }] });
});
afterEach(() => sim.faults.clear());
afterAll(() => sim.close());

async function bearerToken(): Promise<string> {
  const res = await fetch(`${sim.url}/v3/auth/device`, {
    method: 'POST',
    headers: { 'X-Api-Key': sim.apiKey },
    body: JSON.stringify({ event_device_id: 'dbgMWS3KEHE' }),
  });
  return AuthResponse.parse(await res.json()).token;
}

describe('simulator: fault injection', () => {
  it('answers with an injected status on every route, then recovers after clear()', async () => {
    sim.faults.set({ status: 503 });
    const res = await fetch(`${sim.url}/v3/health`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(/503/);
    expect(
      (await fetch(`${sim.url}/v3/files/${sim.demo.files[0]!.sha256}`, { headers: { 'X-Api-Key': sim.apiKey } }))
        .status,
    ).toBe(503);
    sim.faults.clear();
    expect((await fetch(`${sim.url}/v3/health`)).status).toBe(200);
  });

  it('applies only to paths matching the filter', async () => {
    const token = await bearerToken();
    sim.faults.set({ status: 500, match: /^\/v3\/crud\/event_device\// });
    expect(
      (await fetch(`${sim.url}/v3/crud/event_device/dbgMWS3KEHE`, { headers: { Authorization: `Bearer ${token}` } }))
        .status,
    ).toBe(500);
    expect((await fetch(`${sim.url}/v3/health`)).status).toBe(200);
    sim.faults.set({ status: 404, match: /event_id=ev_2026_summit/ });
    expect(
      (
        await fetch(`${sim.url}/v3/crud/event_file?event_id=ev_2026_summit`, {
          headers: { Authorization: `Bearer ${token}` },
        })
      ).status,
    ).toBe(404);
  });

  it('answers 200 with garbage that fails every API schema', async () => {
    const token = await bearerToken();
    sim.faults.set({ garbage: true });
    const device = await fetch(`${sim.url}/v3/crud/event_device/dbgMWS3KEHE`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(device.status).toBe(200);
    const body: unknown = await device.json();
    for (const schema of [DeviceRecord, EventFileList, AuthResponse, Health])
      expect(schema.safeParse(body).success).toBe(false);
  });

  it('drops the connection without an answer', async () => {
    sim.faults.set({ dropConnection: true, match: /health/ });
    await expect(fetch(`${sim.url}/v3/health`)).rejects.toThrow();
    sim.faults.clear();
    expect((await fetch(`${sim.url}/v3/health`)).status).toBe(200);
  });

  it('delays the answer, which a client timeout can cut short', async () => {
    sim.faults.set({ delayMs: 1500 });
    await expect(fetch(`${sim.url}/v3/health`, { signal: AbortSignal.timeout(100) })).rejects.toThrow(/abort|timeout/i);
    sim.faults.set({ delayMs: 50 });
    expect((await fetch(`${sim.url}/v3/health`)).status).toBe(200);
  });

  it('combines a delay with a status', async () => {
    sim.faults.set({ delayMs: 20, status: 429 });
    expect((await fetch(`${sim.url}/v3/health`)).status).toBe(429);
  });

  it('counts faulted requests too', async () => {
    const before = sim.stats.requests('/v3/health');
    sim.faults.set({ status: 502 });
    await fetch(`${sim.url}/v3/health`);
    expect(sim.stats.requests('/v3/health')).toBe(before + 1);
  });

  it('refuses nonsense fault settings', () => {
    expect(() => sim.faults.set({ status: 42 })).toThrow(/status/);
    expect(() => sim.faults.set({ status: 200.5 })).toThrow(/status/);
    expect(() => sim.faults.set({ delayMs: -5 })).toThrow(/delayMs/);
  });
});
