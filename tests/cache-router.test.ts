import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import type { ProgressEvent } from '../contracts/cache';
import type { Cache } from '../cache/service';
import { cacheRouter } from '../router/cache';
import type { Services } from '../router/services';
import { createCallerFactory, type SenderInfo } from '../router/trpc';
import { startFaultServer, type FaultServer } from './fault-server';
import { countingFs, randomFile, removeRoot, tempRoot, testCache } from './support/cache-harness';

const LAUNCHER: SenderInfo = {
  webContentsId: 1,
  role: 'kiosk',
  isMainFrame: true,
  origin: 'https://summit.example-events.com',
  url: 'https://summit.example-events.com/x',
};
/** gc and verify are ops actions: only the splash may call them (docs/SECURITY.md, "Trust boundaries"). */
const SPLASH: SenderInfo = { ...LAUNCHER, webContentsId: 2, role: 'splash' };

let server: FaultServer;
let root: string;
let cache: Cache;
let counted: ReturnType<typeof countingFs>;

beforeEach(async () => {
  server = await startFaultServer();
  root = await tempRoot();
  counted = countingFs();
  cache = await testCache(root, server.url, { fs: counted.fs });
});
afterEach(async () => {
  await cache.close();
  await server.close();
  await removeRoot(root);
});

function caller(sender: SenderInfo | null = LAUNCHER) {
  const services = {
    logger: silentLogger(),
    senderPolicy: { isAllowed: (s: SenderInfo) => s.origin === LAUNCHER.origin },
    cache,
  } as unknown as Services;
  return createCallerFactory(cacheRouter)({ sender, services });
}

describe('cache procedures', () => {
  it('ensure queues the list, status reports it, gc keeps it', async () => {
    const file = randomFile(100_000);
    server.addBuffer(file.bytes);
    cache.start();
    const c = caller();
    const ensured = await c.ensure({ files: [{ sha256: file.sha256, size: 100_000, filename: 'Keynote.pptx' }] });
    expect(['queued', 'downloading', 'present']).toContain(ensured.files[0]?.state);
    await cache.fetch({ sha256: file.sha256 });
    expect((await c.status({ hashes: [file.sha256] })).files[0]).toMatchObject({ state: 'present', bytes: 100_000 });
    await expect(c.gc({ keep: [] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(c.verify({ hashes: [file.sha256] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await caller(SPLASH).gc({ keep: [] })).toMatchObject({ removed: [] });
    expect(await caller(SPLASH).verify({ hashes: [file.sha256] })).toMatchObject({ checked: 1, ok: 1 });
  });

  it('progress is a subscription that starts with the totals', async () => {
    const c = caller();
    const observable = await c.progress();
    const events: ProgressEvent[] = [];
    const sub = observable.subscribe({ next: (e) => events.push(e) });
    expect(events[0]).toMatchObject({ type: 'total', totals: { files: 0 } });
    sub.unsubscribe();
  });

  it('rejects hostile input with BAD_REQUEST before the file system is touched', async () => {
    const c = caller();
    counted.reset();
    const long = 'a'.repeat(10_000);
    const hostile: unknown[] = [
      { files: 'x' },
      { files: [{ sha256: long }] },
      { files: [{ sha256: '../../etc/passwd' }] },
      { files: [{ sha256: 'A'.repeat(64) }] },
      { files: [{ sha256: 'a'.repeat(64), size: -1 }] },
      { files: [{ sha256: 'a'.repeat(64), size: 2 ** 60 }] },
      { files: [{ sha256: 'a'.repeat(64), filename: long }] },
      { files: Array.from({ length: 10_001 }, () => ({ sha256: 'a'.repeat(64) })) },
      null,
    ];
    for (const input of hostile) await expect(c.ensure(input as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(c.status({ hashes: [long] } as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(caller(SPLASH).gc({ keep: 'all' } as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(caller(SPLASH).verify({ hashes: [1] } as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(counted.counts).toEqual({});
    expect(server.requests).toEqual([]);
  });

  it('refuses foreign senders with FORBIDDEN', async () => {
    await expect(caller({ ...LAUNCHER, origin: 'https://evil.test' }).status({ hashes: [] })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(caller(null).gc({ keep: [] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
