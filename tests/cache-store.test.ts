import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { finalPath, quarantineDir, tempDir, tempName } from '../cache/layout';
import { openStore } from '../cache/open-store';
import type { FaultServer } from './fault-server';
import {
  closeCacheFixture,
  countingFs,
  openCacheFixture,
  randomFile,
  sha256Of,
  testCache,
} from './support/cache-harness';

let root: string;
let server: FaultServer;
beforeEach(async () => ({ root, server } = await openCacheFixture()));
afterEach(() => closeCacheFixture({ root, server }));

describe('content store', () => {
  it('lays entries out as <root>/<2 hex>/<sha256>.file and trusts them after a restart without re-hashing', async () => {
    const file = randomFile(300_000);
    server.addBuffer(file.bytes);
    const cache = await testCache(root, server.url);
    const entry = await cache.fetch({ sha256: file.sha256 });
    await cache.close();
    expect(entry.path).toBe(path.join(root, file.sha256.slice(0, 2), `${file.sha256}.file`));

    const counted = countingFs();
    const reopened = await openStore({ root, fs: counted.fs, logger: silentLogger() });
    expect(reopened.unverified).toEqual([]);
    expect(reopened.store.pathOf(file.sha256)).toBe(entry.path);
    expect(counted.counts.open ?? 0).toBe(0);
  });

  it('never trusts a file at a final name that it did not verify: hashes it once, quarantines it if wrong', async () => {
    const good = randomFile(10_000);
    const bad = randomFile(10_000);
    for (const f of [good, bad]) await mkdir(path.dirname(finalPath(root, f.sha256)), { recursive: true });
    await writeFile(finalPath(root, good.sha256), good.bytes);
    await writeFile(finalPath(root, bad.sha256), randomFile(10_000).bytes);

    const cache = await testCache(root, server.url);
    expect(cache.pathOf(good.sha256)).toBeNull();
    expect(cache.pathOf(bad.sha256)).toBeNull();
    const report = await cache.verify();
    expect(report).toMatchObject({ checked: 2, ok: 1 });
    expect(report.quarantined.map((q) => q.sha256)).toEqual([bad.sha256]);
    expect(cache.pathOf(good.sha256)).toBe(finalPath(root, good.sha256));
    await expect(stat(finalPath(root, bad.sha256))).rejects.toMatchObject({ code: 'ENOENT' });
    await cache.close();
  });

  it('re-checks an entry whose size or mtime changed since it was verified', async () => {
    const file = randomFile(20_000);
    server.addBuffer(file.bytes);
    const cache = await testCache(root, server.url);
    await cache.fetch({ sha256: file.sha256 });
    await cache.close();
    await writeFile(finalPath(root, file.sha256), Buffer.concat([file.bytes, Buffer.from('x')]));
    const reopened = await openStore({ root, fs: countingFs().fs, logger: silentLogger() });
    expect(reopened.unverified).toEqual([file.sha256]);
    expect(reopened.store.has(file.sha256)).toBe(false);
  });

  it('verify re-hashes on demand and quarantines an entry corrupted on disk', async () => {
    const file = randomFile(50_000);
    server.addBuffer(file.bytes);
    const cache = await testCache(root, server.url);
    await cache.fetch({ sha256: file.sha256 });
    expect(await cache.verify([file.sha256])).toMatchObject({ checked: 1, ok: 1, quarantined: [] });
    const corrupted = Buffer.from(file.bytes);
    corrupted[100] = corrupted[100]! ^ 1;
    await writeFile(finalPath(root, file.sha256), corrupted);
    const report = await cache.verify([file.sha256]);
    expect(report.quarantined[0]).toMatchObject({ sha256: file.sha256, actual: sha256Of(corrupted) });
    expect(cache.status([file.sha256]).files[0]?.state).toBe('missing');
    expect(await readdir(quarantineDir(root))).toHaveLength(1);
    await cache.close();
  });

  it('reclaims temp files of dead writers at start and keeps those of live ones and files not its own', async () => {
    await mkdir(tempDir(root), { recursive: true });
    const sha = 'b'.repeat(64);
    const deadPid = 2 ** 22 + 12345;
    await writeFile(path.join(tempDir(root), tempName(sha, deadPid, 'aa')), 'partial');
    await writeFile(path.join(tempDir(root), 'garbage.txt'), 'x');
    const live = tempName(sha, process.ppid, 'bb');
    await writeFile(path.join(tempDir(root), live), 'partial');
    const { reclaimedTemps } = await openStore({ root, fs: countingFs().fs, logger: silentLogger() });
    // Only names of the cache's own temp pattern are reclaimed (cache-reclaim.test.ts has the rest).
    expect(reclaimedTemps).toBe(1);
    expect((await readdir(tempDir(root))).sort()).toEqual(['garbage.txt', live].sort());
  });

  it('gc removes what is neither kept nor in the current list, and never the current list', async () => {
    const files = [randomFile(1000), randomFile(1000), randomFile(1000)];
    for (const f of files) server.addBuffer(f.bytes);
    const cache = await testCache(root, server.url);
    for (const f of files) await cache.fetch({ sha256: f.sha256 });
    const [listed, kept, stale] = files as [(typeof files)[0], (typeof files)[0], (typeof files)[0]];
    cache.ensure({ files: [{ sha256: listed.sha256 }] });
    const report = await cache.gc([kept.sha256]);
    expect(report.removed).toEqual([stale.sha256]);
    expect(report.freedBytes).toBe(1000);
    expect(cache.pathOf(listed.sha256)).not.toBeNull();
    expect(cache.pathOf(kept.sha256)).not.toBeNull();
    await expect(stat(finalPath(root, stale.sha256))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await cache.gc([])).toMatchObject({ removed: [kept.sha256] });
    expect(cache.pathOf(listed.sha256)).not.toBeNull();
    expect(await readFile(cache.pathOf(listed.sha256)!)).toEqual(listed.bytes);
    await cache.close();
  });

  it('reports a full disk as no-space and leaves no temp file and no final entry', async () => {
    const file = randomFile(6 * 1024 * 1024);
    server.addBuffer(file.bytes);
    const counted = countingFs();
    const fullDisk = new Proxy(counted.fs, {
      get(target, key) {
        if (key !== 'open') return Reflect.get(target, key);
        return async (...args: Parameters<typeof target.open>) => {
          const handle = await target.open(...args);
          if (args[1] !== 'w+') return handle;
          return new Proxy(handle, {
            get(h, k) {
              if (k === 'write' || k === 'writev')
                return async () =>
                  Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
              const v = Reflect.get(h, k) as unknown;
              return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(h) : v;
            },
          });
        };
      },
    });
    const cache = await testCache(root, server.url, { fs: fullDisk });
    await expect(cache.fetch({ sha256: file.sha256 })).rejects.toMatchObject({
      reason: 'no-space',
      message: expect.stringContaining('full'),
    });
    expect(await readdir(tempDir(root))).toEqual([]);
    await expect(stat(finalPath(root, file.sha256))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(cache.status([file.sha256]).files[0]).toMatchObject({ state: 'failed', reason: 'no-space' });
    await cache.close();
  });
});
