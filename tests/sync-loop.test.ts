import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../contracts/cache';
import type { FaultServer } from './fault-server';
import {
  closeCacheFixture,
  countingFs,
  openCacheFixture,
  randomFile,
  seedJournaledEntries,
  testCache,
} from './support/cache-harness';

let root: string;
let server: FaultServer;
beforeEach(async () => ({ root, server } = await openCacheFixture()));
afterEach(() => closeCacheFixture({ root, server }));

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('sync loop', () => {
  it('reconciles 5,000 present entries on an idle tick with no file-system call and no download', async () => {
    const hashes = await seedJournaledEntries(root, 5000);
    const counted = countingFs();
    const cache = await testCache(root, server.url, { fs: counted.fs });
    expect(counted.counts.open ?? 0).toBe(0);
    cache.ensure({ files: hashes.map((sha256) => ({ sha256 })) });
    cache.start();
    counted.reset();

    const started = [cache.loop.tick(), cache.loop.tick(), cache.loop.tick()];
    expect(started).toEqual([0, 0, 0]);
    expect(counted.counts).toEqual({});
    expect(server.requests).toEqual([]);
    expect(cache.syncState).toMatchObject({ state: 'idle', wanted: 5000 });
    const status = cache.status(hashes);
    expect(status.totals).toMatchObject({ files: 5000, present: 5000, missing: 0 });
    expect(counted.counts).toEqual({});
    await cache.close();
  });

  it('queues only what is missing, publishes throttled progress, and ends idle', async () => {
    const present = randomFile(100_000);
    const missing = Array.from({ length: 12 }, () => randomFile(600_000));
    for (const f of [present, ...missing]) server.addBuffer(f.bytes);
    const cache = await testCache(root, server.url, { concurrency: 3, progressIntervalMs: 50 });
    await cache.fetch({ sha256: present.sha256 });
    server.requests.length = 0;

    const events: ProgressEvent[] = [];
    cache.subscribe((e) => events.push(e));
    cache.start();
    const files = [present, ...missing].map((f) => ({ sha256: f.sha256, size: f.bytes.length }));
    const first = cache.ensure({ files });
    expect(first.totals.present).toBe(1);
    await until(
      () => cache.syncState.state === 'idle' && cache.status(files.map((f) => f.sha256)).totals.present === 13,
      'sync to finish',
    );

    expect(server.requests.map((r) => r.sha256).sort()).toEqual(missing.map((f) => f.sha256).sort());
    expect(server.maxInFlight()).toBeLessThanOrEqual(3);
    const presentEvents = events.filter((e) => e.type === 'file' && e.status.state === 'present');
    expect(new Set(presentEvents.map((e) => (e.type === 'file' ? e.status.sha256 : '')))).toEqual(
      new Set(missing.map((f) => f.sha256)),
    );
    await until(() => events.some((e) => e.type === 'total' && e.totals.present === 13), 'a final total');
    await cache.close();
  });

  it('20 simultaneous ensure calls for the same hash make one download', async () => {
    const file = randomFile(2 * 1024 * 1024);
    server.addBuffer(file.bytes);
    const cache = await testCache(root, server.url);
    cache.start();
    const spec = { sha256: file.sha256, size: file.bytes.length };
    await Promise.all(Array.from({ length: 20 }, async () => cache.ensure({ files: [spec] })));
    const fetched = await Promise.all(Array.from({ length: 20 }, () => cache.fetch(spec)));
    expect(new Set(fetched.map((e) => e.path)).size).toBe(1);
    expect(server.requests.filter((r) => r.sha256 === file.sha256)).toHaveLength(1);
    await cache.close();
  });

  it('retries a transient failure on a later tick and leaves a permanent one alone until asked', async () => {
    const flaky = randomFile(10_000);
    server.addBuffer(flaky.bytes);
    const unknown = 'c'.repeat(64);
    let clock = 1_000_000;
    const cache = await testCache(root, server.url, { transientRetryMs: 60_000, now: () => clock });
    const requestsFor = (sha256: string) => server.requests.filter((r) => r.sha256 === sha256).length;
    server.setFault({ kind: 'status', code: 500 });
    cache.start();
    cache.ensure({ files: [{ sha256: flaky.sha256 }] });
    await until(() => cache.status([flaky.sha256]).files[0]?.state === 'failed', 'the transient failure');
    expect(cache.status([flaky.sha256]).files[0]).toMatchObject({ reason: 'http-error', permanent: false });
    const afterFailure = requestsFor(flaky.sha256);
    cache.loop.tick();
    expect(requestsFor(flaky.sha256)).toBe(afterFailure);

    server.clearFault();
    clock += 60_000;
    cache.loop.tick();
    await until(() => cache.pathOf(flaky.sha256) !== null, 'the transient failure to be retried');

    cache.ensure({ files: [{ sha256: flaky.sha256 }, { sha256: unknown }] });
    await until(() => cache.status([unknown]).files[0]?.state === 'failed', 'the 404');
    clock += 3_600_000;
    cache.loop.tick();
    cache.ensure({ files: [{ sha256: flaky.sha256 }, { sha256: unknown }] });
    expect(requestsFor(unknown)).toBe(1);
    cache.ensure({ files: [{ sha256: flaky.sha256 }, { sha256: unknown }], retryFailed: true });
    await until(() => requestsFor(unknown) === 2, 'the permanent failure to be retried on request');
    expect(requestsFor(flaky.sha256)).toBe(afterFailure + 1);
    await cache.close();
  });
});
