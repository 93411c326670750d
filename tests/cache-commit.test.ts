import { createHash, randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { BodySink } from '../cache/body-sink';
import type { DownloadState } from '../cache/download';
import { GroupCommit } from '../cache/group-commit';
import { finalPath } from '../cache/layout';
import { DownloadScheduler } from '../cache/scheduler';
import type { CacheFile } from '../contracts/cache';
import { openStore } from '../cache/open-store';
import type { StoreEntry } from '../cache/store';
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

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('group commit', () => {
  it('syncs each folder once per group, appends the group in one call, and groups what arrives meanwhile', async () => {
    const syncs: string[] = [];
    const appends: string[] = [];
    const firstSync = deferred();
    const commits = new GroupCommit({
      syncFolder: async (dir) => {
        syncs.push(dir);
        if (syncs.length === 1) await firstSync.promise;
      },
      appendJournal: async (lines) => void appends.push(lines),
      logger: silentLogger(),
    });
    const first = commits.commit('a', 'line 1\n');
    const late = [commits.commit('a', 'line 2\n'), commits.commit('b', 'line 3\n'), commits.commit('a', 'line 4\n')];
    firstSync.resolve();
    await Promise.all([first, ...late]);
    expect(syncs).toEqual(['a', 'a', 'b']);
    expect(appends).toEqual(['line 1\n', 'line 2\nline 3\nline 4\n']);
  });

  it('rejects only the commits of a folder whose sync failed, and journals none of them', async () => {
    const appends: string[] = [];
    const commits = new GroupCommit({
      syncFolder: async (dir) => {
        if (dir === 'bad') throw Object.assign(new Error('EIO'), { code: 'EIO' });
      },
      appendJournal: async (lines) => void appends.push(lines),
      logger: silentLogger(),
    });
    const results = await Promise.allSettled([commits.commit('good', 'g\n'), commits.commit('bad', 'b\n')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(appends).toEqual(['g\n']);
  });

  it('a journal line lost after the rename (crash, failed append) costs one re-hash at start, never a wrong answer', async () => {
    const file = randomFile(300_000);
    server.addBuffer(file.bytes);
    const counted = countingFs();
    const noJournal = new Proxy(counted.fs, {
      get: (target, key) =>
        key === 'appendFile'
          ? async () => Promise.reject(Object.assign(new Error('EIO'), { code: 'EIO' }))
          : Reflect.get(target, key),
    });
    const cache = await testCache(root, server.url, { fs: noJournal });
    const entry = await cache.fetch({ sha256: file.sha256, size: file.bytes.length });
    expect(cache.pathOf(file.sha256)).toBe(entry.path);
    await cache.close();

    const reopened = await openStore({ root, fs: countingFs().fs, logger: silentLogger() });
    expect(reopened.unverified).toEqual([file.sha256]);
    expect(reopened.store.pathOf(file.sha256)).toBeNull();

    server.requests.length = 0;
    const again = await testCache(root, server.url);
    expect(again.pathOf(file.sha256)).toBeNull();
    await again.fetch({ sha256: file.sha256, size: file.bytes.length });
    expect(server.requests).toEqual([]);
    expect(sha256Of(await readFile(again.pathOf(file.sha256)!))).toBe(file.sha256);
    await again.close();
    expect((await openStore({ root, fs: countingFs().fs, logger: silentLogger() })).unverified).toEqual([]);
  });

  it('many files committed together all reach their final names whole and journaled', async () => {
    const files = Array.from({ length: 24 }, () => randomFile(50_000));
    for (const f of files) server.addBuffer(f.bytes);
    const cache = await testCache(root, server.url, { concurrency: 4 });
    await Promise.all(files.map((f) => cache.fetch({ sha256: f.sha256, size: f.bytes.length })));
    await cache.close();
    for (const f of files) expect(sha256Of(await readFile(finalPath(root, f.sha256)))).toBe(f.sha256);
    const reopened = await openStore({ root, fs: countingFs().fs, logger: silentLogger() });
    expect(reopened.unverified).toEqual([]);
    expect(reopened.store.count).toBe(files.length);
  });
});

describe('download slots', () => {
  it('a committing file frees its transfer slot; no transfer starts while `concurrency` files are committing', async () => {
    const commitGates = new Map<string, ReturnType<typeof deferred>>();
    const started: string[] = [];
    const run = async (file: CacheFile, onState: (s: DownloadState) => void): Promise<StoreEntry> => {
      started.push(file.sha256);
      const gate = deferred();
      commitGates.set(file.sha256, gate);
      onState({ kind: 'committing', bytes: 1, size: 1 });
      await gate.promise;
      return { sha256: file.sha256, size: 1, path: file.sha256 };
    };
    const scheduler = new DownloadScheduler(run, 2, () => undefined);
    const names = ['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(64));
    const jobs = names.map((sha256) => scheduler.request({ sha256 }));
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    await settle();
    // a reached committing and handed its slot to c; b's commit then made two commits running, the
    // bound, so d and e wait although no transfer is running.
    expect(started).toEqual(names.slice(0, 3));
    commitGates.get(names[0]!)!.resolve();
    commitGates.get(names[1]!)!.resolve();
    await Promise.all(jobs.slice(0, 2));
    await settle();
    // One commit left (c): below the bound, so both free slots take the waiting files.
    expect(started).toEqual(names);
    for (const gate of commitGates.values()) gate.resolve();
    await Promise.all(jobs);
    await scheduler.idle();
  });
});

describe('body sink memory', () => {
  it('holds at most writesInFlight batches however large the file and however slow the disk', async () => {
    const file = path.join(root, 'sink.part');
    const handle = await open(file, 'w+');
    let datasyncs = 0;
    const slowDisk = new Proxy(handle, {
      get(target, key) {
        const value = Reflect.get(target, key) as unknown;
        if (key === 'write') {
          return async (buffer: Buffer, offset: number, length: number, position: number) => {
            await new Promise((resolve) => setTimeout(resolve, 2));
            return target.write(buffer, offset, length, position);
          };
        }
        if (key === 'datasync') datasyncs += 1;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const chunk = 64 * 1024;
    const total = 48 * 1024 * 1024;
    const expected = createHash('sha256');
    const options = { batchBytes: 1024 * 1024, writesInFlight: 2, writebackBytes: 8 * 1024 * 1024 };
    const sink = new BodySink(slowDisk, createHash('sha256'), 0, options);
    const consume = sink.consumer(total, () => undefined);
    // One reused read buffer, as the HTTP client hands it over: the sink must copy what it keeps.
    const readBuffer = Buffer.alloc(chunk);
    for (let sent = 0; sent < total; sent += chunk) {
      randomBytes(chunk).copy(readBuffer);
      expected.update(readBuffer);
      await consume(readBuffer);
      readBuffer.fill(0);
    }
    await sink.drain();
    await handle.close();

    expect(sink.offset).toBe(total);
    expect(sink.heldHighWater).toBeGreaterThan(0);
    expect(sink.heldHighWater).toBeLessThanOrEqual((options.writesInFlight + 1) * options.batchBytes);
    expect(datasyncs).toBeGreaterThan(0);
    const digest = expected.digest('hex');
    expect(sink.digest()).toBe(digest);
    expect(sha256Of(await readFile(file))).toBe(digest);
  });
});
