import { readFile, stat } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CacheError } from '../cache/errors';
import { finalPath } from '../cache/layout';
import type { Cache } from '../cache/service';
import { startFaultServer, type Fault, type FaultServer } from './fault-server';
import { randomFile, removeRoot, sha256Of, tempFiles, tempRoot, testCache } from './support/cache-harness';

const SIZE = 1024 * 1024 + 123;

let server: FaultServer;
let root: string;
let cache: Cache;

beforeEach(async () => {
  server = await startFaultServer();
  root = await tempRoot();
  cache = await testCache(root, server.url);
});
afterEach(async () => {
  await cache.close();
  await server.close();
  await removeRoot(root);
});

async function expectNoCorruptEntry(sha256: string): Promise<void> {
  const present = cache.pathOf(sha256);
  if (present) expect(sha256Of(await readFile(present))).toBe(sha256);
  else await expect(stat(finalPath(root, sha256))).rejects.toMatchObject({ code: 'ENOENT' });
  expect(await tempFiles(root)).toEqual([]);
}

const cases: { name: string; fault: Fault; reason: string; withSize: boolean }[] = [
  { name: 'truncated body', fault: { kind: 'truncate', atByte: 300_000 }, reason: 'network', withSize: true },
  { name: 'corrupted byte', fault: { kind: 'corrupt', atByte: 500_000 }, reason: 'hash-mismatch', withSize: true },
  { name: 'connection reset mid-body', fault: { kind: 'reset', atByte: 200_000 }, reason: 'network', withSize: false },
  { name: 'stalled body', fault: { kind: 'stall', atByte: 100_000 }, reason: 'stalled', withSize: true },
  { name: '503 answer', fault: { kind: 'status', code: 503 }, reason: 'http-error', withSize: true },
  {
    name: 'Content-Length too short',
    fault: { kind: 'wrong-length', delta: -400_000 },
    reason: 'network',
    withSize: true,
  },
  {
    name: 'Content-Length too short, size unknown',
    fault: { kind: 'wrong-length', delta: -400_000 },
    reason: 'hash-mismatch',
    withSize: false,
  },
];

describe.each(cases)('fault: $name', ({ fault, reason, withSize }) => {
  it('reports the reason while it lasts, leaves nothing corrupt, and completes once it stops', async () => {
    const file = randomFile(SIZE);
    const sha256 = server.addBuffer(file.bytes);
    const spec = withSize ? { sha256, size: SIZE } : { sha256 };
    // At byte 0 no attempt gains a byte, so the bounded retries run out while the fault lasts.
    server.setFault(fault.kind === 'corrupt' || !('atByte' in fault) ? fault : { ...fault, atByte: 0 });
    const seenWhileRetrying: string[] = [];
    const unsubscribe = cache.subscribe((event) => {
      if (event.type === 'file' && event.status.state === 'downloading' && event.status.lastError)
        seenWhileRetrying.push(event.status.lastError.reason);
    });

    const failure = await cache.fetch(spec).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(CacheError);
    expect((failure as CacheError).reason).toBe(reason);
    unsubscribe();
    expect(seenWhileRetrying).toContain(reason);
    const [status] = cache.status([sha256]).files;
    expect(status).toMatchObject({ state: 'failed', reason });
    await expectNoCorruptEntry(sha256);
    expect(cache.pathOf(sha256)).toBeNull();

    server.clearFault();
    const entry = await cache.fetch(spec);
    expect(entry.size).toBe(SIZE);
    expect(cache.status([sha256]).files[0]).toMatchObject({ state: 'present', bytes: SIZE });
    await expectNoCorruptEntry(sha256);
  });

  it('completes within one download when the fault hits only the first response', async () => {
    const file = randomFile(SIZE);
    const sha256 = server.addBuffer(file.bytes);
    server.setFault(fault, 1);
    await cache.fetch(withSize ? { sha256, size: SIZE } : { sha256 });
    await expectNoCorruptEntry(sha256);
    expect(cache.pathOf(sha256)).not.toBeNull();
    expect(server.requests.filter((r) => r.sha256 === sha256).length).toBeGreaterThanOrEqual(2);
  });
});

describe('downloader behaviour', () => {
  it('resumes with Range after an interruption instead of starting over', async () => {
    const file = randomFile(SIZE);
    const sha256 = server.addBuffer(file.bytes);
    server.setFault({ kind: 'truncate', atByte: 600_000 }, 1);
    await cache.fetch({ sha256, size: SIZE });
    const [first, second] = server.requests;
    expect(first).toMatchObject({ range: null, status: 200, fault: 'truncate' });
    expect(second?.status).toBe(206);
    expect(Number(/^bytes=(\d+)-$/.exec(second?.range ?? '')?.[1])).toBeGreaterThan(0);
    await expectNoCorruptEntry(sha256);
  });

  it('starts over when the server ignores Range and answers 200', async () => {
    const file = randomFile(SIZE);
    const sha256 = server.addBuffer(file.bytes);
    server.setFault({ kind: 'truncate', atByte: 600_000 }, 1);
    server.thenFault({ kind: 'ignore-range' });
    await cache.fetch({ sha256, size: SIZE });
    expect(server.requests.map((r) => r.status)).toEqual([200, 200]);
    expect(server.requests[1]?.range).toMatch(/^bytes=\d+-$/);
    await expectNoCorruptEntry(sha256);
  });

  it('marks 404 as a permanent failure after one request, with the reason', async () => {
    const sha256 = 'a'.repeat(64);
    await expect(cache.fetch({ sha256 })).rejects.toMatchObject({ reason: 'not-found', permanent: true });
    expect(server.requests).toHaveLength(1);
    expect(cache.status([sha256]).files[0]).toMatchObject({ state: 'failed', reason: 'not-found', permanent: true });
  });

  it('gives up on a file that keeps arriving corrupt after a bounded number of whole transfers', async () => {
    const file = randomFile(200_000);
    const sha256 = server.addBuffer(file.bytes);
    server.setFault({ kind: 'corrupt', atByte: 10 });
    await expect(cache.fetch({ sha256 })).rejects.toMatchObject({ reason: 'hash-mismatch', permanent: true });
    expect(server.requests).toHaveLength(2);
  });

  it('refuses a body longer than the announced size before writing it', async () => {
    const file = randomFile(SIZE);
    const sha256 = server.addBuffer(file.bytes);
    await expect(cache.fetch({ sha256, size: 1000 })).rejects.toMatchObject({ reason: 'size-mismatch' });
    await expectNoCorruptEntry(sha256);
  });

  it('fails over to the next base URL when the first refuses connections, and reports who answered', async () => {
    const dead = await startFaultServer();
    const deadUrl = dead.url;
    await dead.close();
    const answered: string[] = [];
    await cache.close();
    cache = await testCache(root, {
      baseUrls: () => [deadUrl, server.url],
      headers: async () => ({}),
      reportAnswered: (b) => answered.push(b),
    });
    const file = randomFile(50_000);
    const sha256 = server.addBuffer(file.bytes);
    await cache.fetch({ sha256 });
    expect(answered).toEqual([server.url]);
    await expectNoCorruptEntry(sha256);
  });

  it('sends the API key, and a refused key is an unauthorized failure whose message does not contain it', async () => {
    const keyed = await startFaultServer({ apiKey: 'secret-device-key-123' });
    await cache.close();
    cache = await testCache(root, {
      baseUrls: () => [keyed.url],
      headers: async () => ({ 'x-api-key': 'wrong-key-456789' }),
    });
    const sha256 = keyed.addBuffer(randomFile(10_000).bytes);
    const err = (await cache.fetch({ sha256 }).catch((e: unknown) => e)) as CacheError;
    expect(err.reason).toBe('unauthorized');
    expect(err.message).not.toContain('wrong-key-456789');
    await cache.close();
    cache = await testCache(root, {
      baseUrls: () => [keyed.url],
      headers: async () => ({ 'x-api-key': 'secret-device-key-123' }),
    });
    await cache.fetch({ sha256 });
    expect(cache.pathOf(sha256)).not.toBeNull();
    await keyed.close();
  });
});
