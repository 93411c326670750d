import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { randomFile, testCache, tempRoot, removeRoot } from './support/cache-harness';
import { useCleanups } from './support/cleanups';

interface Trickler {
  url: string;
  /** Hash of every file request, in arrival order. */
  requests: string[];
}

/**
 * A file server on loopback that trickles one byte every `trickleMs` for the first `slowTimes`
 * requests of each slow file (announcing the whole length, so the stall timer never fires), and
 * serves everything else at once.
 */
async function startTrickler(
  cleanups: ReturnType<typeof useCleanups>,
  files: Map<string, Buffer>,
  slow: Set<string>,
  slowTimes: number,
  trickleMs: number,
): Promise<Trickler> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const sha256 = /^\/v3\/files\/([0-9a-f]{64})$/.exec(req.url ?? '')?.[1] ?? '';
    const bytes = files.get(sha256);
    if (!bytes) return void res.writeHead(404).end();
    requests.push(sha256);
    const seen = requests.filter((r) => r === sha256).length;
    res.writeHead(200, { 'content-length': bytes.length, 'content-type': 'application/octet-stream' });
    if (!slow.has(sha256) || seen > slowTimes) return void res.end(bytes);
    let at = 0;
    const timer = setInterval(() => {
      if (at >= bytes.length) return clearInterval(timer);
      res.write(bytes.subarray(at, at + 1));
      at += 1;
    }, trickleMs);
    res.on('close', () => clearInterval(timer));
  });
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

describe('slow servers do not starve the download queue', () => {
  const cleanups = useCleanups();

  it('four trickling files give up their slots to a fifth healthy file, and are retried later until they complete', async () => {
    const slowFiles = Array.from({ length: 4 }, () => randomFile(64 * 1024));
    const healthy = randomFile(256 * 1024);
    const all = new Map([...slowFiles, healthy].map((f) => [f.sha256, f.bytes]));
    // Each slow file trickles (50 B/s) on its first two requests, then is served whole.
    const server = await startTrickler(cleanups, all, new Set(slowFiles.map((f) => f.sha256)), 2, 20);
    const root = await tempRoot();
    cleanups.push(() => removeRoot(root));
    const cache = await testCache(root, server.url, {
      concurrency: 4,
      transientRetryMs: 60_000,
      download: { minBytesPerSecond: 1000, rateWindowMs: 150 },
      slowRetry: { maxRequeues: 4, backoff: { initialDelayMs: 10, maxDelayMs: 40, factor: 2, jitter: 1 } },
    });
    cleanups.push(() => cache.close());
    const seen: string[] = [];
    cache.subscribe((e) => {
      if (e.type === 'file' && e.status.state === 'downloading' && e.status.lastError?.reason === 'stalled')
        seen.push(e.status.lastError.message);
    });
    cache.start();
    // The slow ones first: they take all four slots.
    cache.ensure({ files: [...slowFiles, healthy].map((f) => ({ sha256: f.sha256, size: f.bytes.length })) });

    // The sync loop requests the list on its own tick: let the four slow files take the slots first.
    for (let i = 0; i < 400 && server.requests.length < 4; i += 1) await new Promise((r) => setTimeout(r, 10));
    await cache.fetch({ sha256: healthy.sha256 });
    // The healthy file's one request came only after all four slow ones held the slots.
    expect(server.requests.indexOf(healthy.sha256)).toBe(4);
    expect(server.requests.slice(0, 4).sort()).toEqual(slowFiles.map((f) => f.sha256).sort());
    expect(server.requests.filter((r) => r === healthy.sha256)).toHaveLength(1);

    // The slow ones were retried (same job, back of the queue) and complete once served at speed.
    await Promise.all(slowFiles.map((f) => cache.fetch({ sha256: f.sha256 })));
    for (const f of slowFiles) expect(server.requests.filter((r) => r === f.sha256)).toHaveLength(3);
    expect(cache.status([...all.keys()]).totals.present).toBe(5);
    expect(seen.some((m) => m.includes('sent too slowly'))).toBe(true);
  });

  it('a file still too slow after its requeues is failed (transient) with a reason; a deadline ends a download too', async () => {
    const slow = randomFile(64 * 1024);
    const server = await startTrickler(
      cleanups,
      new Map([[slow.sha256, slow.bytes]]),
      new Set([slow.sha256]),
      1_000,
      20,
    );
    const root = await tempRoot();
    cleanups.push(() => removeRoot(root));
    const cache = await testCache(root, server.url, {
      transientRetryMs: 60_000,
      download: { minBytesPerSecond: 0, deadlineMs: 200 },
      slowRetry: { maxRequeues: 1, backoff: { initialDelayMs: 10, maxDelayMs: 20, factor: 2, jitter: 1 } },
    });
    cleanups.push(() => cache.close());
    await expect(cache.fetch({ sha256: slow.sha256, size: slow.bytes.length })).rejects.toMatchObject({
      reason: 'stalled',
      permanent: false,
    });
    expect(server.requests).toHaveLength(2);
    expect(cache.status([slow.sha256]).files[0]).toMatchObject({
      state: 'failed',
      reason: 'stalled',
      permanent: false,
    });
    expect(cache.status([slow.sha256]).files[0]).toHaveProperty(
      'message',
      expect.stringContaining('did not finish in time'),
    );
  });
});
