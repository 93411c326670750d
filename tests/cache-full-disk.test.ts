import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../apps/cli/main';
import { startSimulator } from '../apps/simulator/index';
import { silentLogger } from '../base/logger';
import { staticFileSource } from '../cache/file-source';
import { journalPath, tempDir } from '../cache/layout';
import { openCache } from '../cache/service';
import { startFaultServer, type FaultServer } from './fault-server';
import { captureIo } from './cli-io-helpers';
import { listTree } from './launch-fixtures';
import { randomFile, testCache } from './support/cache-harness';
import { useCleanups } from './support/cleanups';
import { fillDisk, freeBytes, mountTmpfs } from './support/tmpfs';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('a full disk (a real 4 MiB tmpfs filled to the last byte)', () => {
  const cleanups = useCleanups();
  let server: FaultServer;
  let disk: string;
  let root: string;
  let files: ReturnType<typeof randomFile>[];

  beforeEach(async () => {
    server = await startFaultServer();
    cleanups.push(() => server.close());
    disk = await mountTmpfs(cleanups, 4 * MiB);
    root = path.join(disk, 'cache');
    files = [randomFile(256 * KiB), randomFile(256 * KiB), randomFile(256 * KiB)];
    for (const f of files) server.addBuffer(f.bytes);
    const cache = await testCache(root, server.url, { minFreeBytes: 0 });
    for (const f of files) await cache.fetch({ sha256: f.sha256, size: f.bytes.length });
    await cache.close();
    // One journal line lost (a crash after a rename): the next writer open wants to compact.
    const journal = (await readFile(journalPath(root), 'utf8'))
      .split('\n')
      .filter((l) => !l.includes(files[0]!.sha256));
    await writeFile(journalPath(root), journal.join('\n'));
    await fillDisk(path.join(disk, 'filler.bin'));
    expect(await freeBytes(disk)).toBe(0);
  });

  async function cli(args: string[]) {
    const io = captureIo({ HOME: disk });
    const code = await main([...args, '--cache-dir', root], io);
    return { code, out: io.out(), err: io.err() };
  }

  it('status, gc --dry-run and verify answer without writing a byte, and leave no temp file', async () => {
    const keep = path.join(disk, '..', `${path.basename(disk)}-keep.txt`);
    await writeFile(keep, `${files[1]!.sha256}\n`);
    cleanups.push(() => import('node:fs/promises').then((fs) => fs.rm(keep, { force: true })));
    const before = await listTree(root);

    const status = await cli(['cache', 'status', '--json']);
    expect(status).toMatchObject({ code: 0 });
    expect(JSON.parse(status.out)).toMatchObject({ entries: 2 });
    const dry = await cli(['cache', 'gc', '--keep-list', keep, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('would remove 2 entries');
    const verify = await cli(['cache', 'verify']);
    expect(verify.err).toBe('');
    expect(verify).toMatchObject({ code: 0 });
    expect(verify.out).toContain('verified 3 entries');

    expect(await listTree(root)).toEqual(before);
    expect(await readdir(tempDir(root))).toEqual([]);
  });

  it('the app opens its cache on the full disk (compaction skipped, nothing left behind)', async () => {
    const before = await listTree(root);
    const cache = await openCache({ root, source: staticFileSource([server.url], null), logger: silentLogger() });
    expect(cache.store.count).toBe(2);
    expect(await listTree(root)).toEqual([...before, '.aether-cache.lock'].sort());
    await cache.close();
    expect(await listTree(root)).toEqual(before);
  });

  it('gc works on the full disk: it is the way out', async () => {
    const keep = path.join(disk, '..', `${path.basename(disk)}-keep.txt`);
    await writeFile(keep, `${files[1]!.sha256}\n`);
    cleanups.push(() => import('node:fs/promises').then((fs) => fs.rm(keep, { force: true })));
    const gc = await cli(['cache', 'gc', '--keep-list', keep]);
    expect(gc.err).toBe('');
    expect(gc).toMatchObject({ code: 0 });
    expect(gc.out).toContain('removed 2 entries');
    expect(await freeBytes(disk)).toBeGreaterThanOrEqual(2 * 256 * KiB);
    expect((await listTree(root)).filter((n) => n.endsWith('.file'))).toEqual([
      `${files[1]!.sha256.slice(0, 2)}/${files[1]!.sha256}.file`,
    ]);
  });

  it('prefetch on the full disk opens the cache and reports every file as not fitting, instead of dying with ENOSPC', async () => {
    const sim = await startSimulator();
    cleanups.push(() => sim.close());
    const seed = path.join(disk, '..', `${path.basename(disk)}-seed.json`);
    await writeFile(seed, JSON.stringify(sim.demoSeed()));
    cleanups.push(() => import('node:fs/promises').then((fs) => fs.rm(seed, { force: true })));
    const before = await listTree(root);
    const run = await cli(['prefetch', '--seed', seed]);
    expect(run.code).toBe(1);
    expect(`${run.out}${run.err}`).toContain('not enough space for');
    expect(`${run.out}${run.err}`).not.toContain('ENOSPC');
    expect(await listTree(root)).toEqual(before);
  });

  it('a download that does not fit is not started: a typed no-space state naming the file, what it needs and what is free', async () => {
    const big = randomFile(512 * KiB);
    server.addBuffer(big.bytes);
    // The loop tries a no-space file again only after transientRetryMs (production: 60 s).
    const cache = await testCache(root, server.url, { minFreeBytes: 0, transientRetryMs: 60_000 });
    cleanups.push(() => cache.close());
    const requestsBefore = server.requests.length;
    cache.start();
    cache.ensure({ files: [{ sha256: big.sha256, size: big.bytes.length, filename: 'keynote.pptx' }] });
    await expect.poll(() => cache.status([big.sha256]).files[0]?.state).toBe('failed');
    const status = cache.status([big.sha256]).files[0]!;
    expect(status).toMatchObject({ state: 'failed', reason: 'no-space', permanent: false });
    expect(status.state === 'failed' && status.message).toMatch(
      /^not enough space for keynote\.pptx \(needs 524288 bytes, has 0 bytes\)/,
    );
    expect(server.requests.length).toBe(requestsBefore);
    expect(await readdir(tempDir(root))).toEqual([]);
  });

  it('a write that hits ENOSPC mid-way (space taken after the check) removes its temp file', async () => {
    // Free 256 KiB, then let the check believe there is plenty: the write itself runs out.
    const { rm } = await import('node:fs/promises');
    await rm(path.join(disk, 'filler.bin'));
    await fillDisk(path.join(disk, 'filler.bin'));
    const big = randomFile(1 * MiB);
    server.addBuffer(big.bytes);
    const cache = await testCache(root, server.url, { freeBytes: async () => 1024 * MiB, minFreeBytes: 0 });
    cleanups.push(() => cache.close());
    await expect(cache.fetch({ sha256: big.sha256, size: big.bytes.length })).rejects.toMatchObject({
      reason: 'no-space',
    });
    expect(await readdir(tempDir(root))).toEqual([]);
    expect((await listTree(root)).filter((n) => n.includes(big.sha256))).toEqual([]);
  });
});
