import { readFile, readdir, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finalPath, quarantineDir } from '../cache/layout';
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

const requestsFor = (sha256: string) => server.requests.filter((r) => r.sha256 === sha256).length;

describe('a file removed or changed behind the open cache', () => {
  it('is noticed on a following sync period and fetched again: deleted, truncated, rewritten; a mere touch is re-hashed, not fetched', async () => {
    const files = Array.from({ length: 4 }, () => randomFile(40_000));
    for (const f of files) server.addBuffer(f.bytes);
    const cache = await testCache(root, server.url, { periodMs: 50, transientRetryMs: 60_000 });
    const list = files.map((f) => ({ sha256: f.sha256, size: f.bytes.length }));
    for (const f of list) await cache.fetch(f);
    cache.ensure({ files: list });
    cache.start();
    const [deleted, truncated, rewritten, touched] = files as [
      (typeof files)[0],
      (typeof files)[0],
      (typeof files)[0],
      (typeof files)[0],
    ];

    await rm(finalPath(root, deleted.sha256));
    await truncate(finalPath(root, truncated.sha256), 1000);
    const changed = Buffer.from(rewritten.bytes);
    changed[5] = changed[5]! ^ 0xff;
    await writeFile(finalPath(root, rewritten.sha256), changed);
    await utimes(finalPath(root, touched.sha256), new Date(), new Date(Date.now() - 3_600_000));

    for (const f of [deleted, truncated, rewritten])
      await expect.poll(() => requestsFor(f.sha256), { timeout: 10_000 }).toBe(2);
    await expect.poll(() => cache.status(list.map((f) => f.sha256)).totals.present, { timeout: 10_000 }).toBe(4);
    for (const f of files) expect(await readFile(finalPath(root, f.sha256))).toEqual(f.bytes);
    expect(requestsFor(touched.sha256)).toBe(1);
    // The truncated and the rewritten copies were kept aside for inspection, not trusted.
    expect(await readdir(quarantineDir(root))).toHaveLength(2);
    await cache.close();
  });

  it('status stops claiming a deleted file present right after it is asked (no sync running)', async () => {
    const file = randomFile(10_000);
    server.addBuffer(file.bytes);
    const cache = await testCache(root, server.url);
    await cache.fetch({ sha256: file.sha256 });
    expect(cache.status([file.sha256]).files[0]?.state).toBe('present');
    await rm(finalPath(root, file.sha256));
    await expect.poll(() => cache.status([file.sha256]).files[0]?.state, { timeout: 5_000 }).toBe('missing');
    expect(cache.store.count).toBe(0);
    await cache.close();
  });

  it('checkedPathOf (before a launch) answers null for a vanished file and the path for an intact one', async () => {
    const [gone, kept] = [randomFile(5_000), randomFile(5_000)];
    for (const f of [gone, kept]) server.addBuffer(f.bytes);
    const cache = await testCache(root, server.url);
    for (const f of [gone, kept]) await cache.fetch({ sha256: f.sha256 });
    await rm(finalPath(root, gone.sha256));
    expect(cache.pathOf(gone.sha256)).not.toBeNull();
    expect(await cache.checkedPathOf(gone.sha256)).toBeNull();
    expect(cache.pathOf(gone.sha256)).toBeNull();
    expect(await cache.checkedPathOf(kept.sha256)).toBe(finalPath(root, kept.sha256));
    await cache.close();
  });

  it('sweeps 5,000 entries in slices of perPeriod stats, one stat per entry, and explicit ticks make none', async () => {
    const hashes = await seedJournaledEntries(root, 5000);
    const counted = countingFs();
    const cache = await testCache(root, server.url, { fs: counted.fs, sweepPerPeriod: 500 });
    counted.reset();
    cache.ensure({ files: hashes.map((sha256) => ({ sha256 })) });
    // ensure answered with a status, which asks for its first 256 present hashes to be checked soon.
    await new Promise((resolve) => setImmediate(resolve));
    await cache.sweep.step();
    expect(counted.counts).toEqual({ stat: 256 });
    counted.reset();
    cache.loop.tick();
    expect(counted.counts).toEqual({});
    for (let period = 1; period <= 10; period += 1) {
      await cache.sweep.step();
      expect(counted.counts).toEqual({ stat: 500 * period });
    }
    await cache.sweep.step();
    expect(counted.counts).toEqual({ stat: 5500 });
    expect(cache.store.count).toBe(5000);
    expect(server.requests).toEqual([]);
    await cache.close();
  });
});
