// The file client's rate floor and deadline (cache/http-connection.ts) against real loopback servers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FileHttpClient, HttpTimeoutError, type GetOptions } from '../cache/http-get';
import { useCleanups } from './support/cleanups';

const cleanups = useCleanups();

function options(overrides: Partial<GetOptions> = {}): GetOptions {
  return {
    headers: {},
    signal: new AbortController().signal,
    headersTimeoutMs: 5_000,
    stallTimeoutMs: 5_000,
    ...overrides,
  };
}

/** Announces `size` bytes and sends them `step` bytes at a time every `everyMs`. */
async function trickleServer(size: number, step: number, everyMs: number): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': size });
    let sent = 0;
    const timer = setInterval(() => {
      const n = Math.min(step, size - sent);
      if (n <= 0) return clearInterval(timer);
      res.write(Buffer.alloc(n, 7));
      sent += n;
      if (sent === size) res.end();
    }, everyMs);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  cleanups.push(() => server.closeAllConnections());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/f`;
}

function client(): FileHttpClient {
  const c = new FileHttpClient({ idleConnections: 2, readBufferBytes: 64 * 1024 });
  cleanups.push(() => c.close());
  return c;
}

describe('minimum transfer rate and deadline', () => {
  it('fails a trickle (which never trips the stall timer) with TOO_SLOW', async () => {
    const url = await trickleServer(10_000, 1, 10);
    const response = await client().get(
      url,
      options({ stallTimeoutMs: 1_000, minRate: { bytesPerSecond: 1_000, windowMs: 150 } }),
    );
    let received = 0;
    const reading = response.readBody((chunk) => void (received += chunk.length));
    await expect(reading).rejects.toBeInstanceOf(HttpTimeoutError);
    await expect(reading).rejects.toMatchObject({ code: 'TOO_SLOW' });
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(10_000);
  });

  it('does not blame the server for windows in which the consumer (a slow disk) held the body back', async () => {
    const url = await trickleServer(64 * 1024, 64 * 1024, 1);
    const response = await client().get(url, options({ minRate: { bytesPerSecond: 1_000_000, windowMs: 50 } }));
    let received = 0;
    // Every piece waits 200 ms: four windows with nothing read, all held by the consumer.
    await response.readBody((chunk) => {
      received += chunk.length;
      return new Promise((resolve) => setTimeout(resolve, 200));
    });
    expect(received).toBe(64 * 1024);
  });

  it('a healthy body well above the floor completes', async () => {
    const url = await trickleServer(200_000, 20_000, 5);
    const response = await client().get(url, options({ minRate: { bytesPerSecond: 1_000, windowMs: 50 } }));
    let received = 0;
    await response.readBody((chunk) => void (received += chunk.length));
    expect(received).toBe(200_000);
  });

  it('ends an exchange past its deadline with DEADLINE', async () => {
    const url = await trickleServer(10_000, 100, 20);
    const response = await client().get(url, options({ deadlineMs: 200 }));
    await expect(response.readBody(() => undefined)).rejects.toMatchObject({ code: 'DEADLINE' });
  });
});
