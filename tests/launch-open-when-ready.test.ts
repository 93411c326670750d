import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandRunner } from '../base/command-runner';
import type { Cache } from '../cache/service';
import {
  createLaunchService,
  type ListedFile,
  OpenCancelledError,
  OpenWaitTimeoutError,
} from '../kiosk/launch-service';
import { randomFile, removeRoot, tempRoot, testCache } from './support/cache-harness';
import { useCleanups } from './support/cleanups';
import { startGateServer } from './support/gate-server';
import { waitFor } from './share-watcher-helpers';
import { TRPCError } from '@trpc/server';
import { silentLogger } from '../base/logger';
import { launchRouter } from '../router/launch';
import { createPageLifetimes } from '../router/page-lifetime';
import { createCallerFactory, type SenderInfo } from '../router/trpc';
import { fakeServices, unusedService } from './fakes/services';

const cleanups = useCleanups();
const MiB = 1024 * 1024;
const noCommands: CommandRunner = async () => ({ exitCode: 1, stdout: '', stderr: '' });

/** A listed deck the cache does not have yet, a held file server, and the launch service over the real cache. */
async function roomWithDeckDownloading(openWaitMs?: number) {
  const deck = randomFile(3 * MiB);
  const server = await startGateServer(cleanups, new Map([[deck.sha256, deck.bytes]]));
  const root = await tempRoot();
  cleanups.push(() => removeRoot(root));
  const cache: Cache = await testCache(root, server.url, { download: { stallTimeoutMs: 10_000 } });
  cleanups.push(() => cache.close());
  cache.start();
  const launchDir = await cleanups.tempDir('launch');
  const listed: ListedFile[] = [
    { event_file_id: 'ef_1', sha256: deck.sha256, filename: 'keynote.pptx', size: deck.bytes.length },
  ];
  cache.ensure({ files: [{ sha256: deck.sha256, size: deck.bytes.length }] });
  const opened: string[] = [];
  const launch = createLaunchService({
    platform: 'linux',
    cache,
    tempRoot: () => launchDir,
    opener: async (p) => void opened.push(p),
    run: noCommands,
    eventFiles: () => listed,
    ...(openWaitMs !== undefined ? { openWaitMs } : {}),
  });
  await waitFor('the deck to be downloading', () => server.requests.length === 1);
  return { deck, server, cache, launch, opened };
}

describe('launch.open on a listed file that is still downloading', () => {
  it('waits for it, and opens it once it is verified', async () => {
    const { deck, server, cache, launch, opened } = await roomWithDeckDownloading();
    const opening = launch.open({ event_file_id: 'ef_1' });
    // Asked at the top of the queue, and nothing handed to the opener before the hash is checked.
    await waitFor('the wait to boost the download', () => !cache.scheduler.isBackground(deck.sha256));
    expect(opened).toEqual([]);

    server.releaseAll();
    const result = await opening;
    expect(result.filename).toBe('keynote.pptx');
    expect(opened).toEqual([result.path]);
    expect(path.basename(result.path)).toBe('keynote.pptx');
    expect((await readFile(result.path)).equals(deck.bytes)).toBe(true);
    // One download: the open joined the sync's transfer instead of starting another.
    expect(server.requests).toHaveLength(1);
  });

  it('gives up with a typed timeout when the wait runs out; the file keeps downloading at its list rank', async () => {
    const { deck, server, cache, launch, opened } = await roomWithDeckDownloading(50);
    await expect(launch.open({ sha256: deck.sha256 })).rejects.toBeInstanceOf(OpenWaitTimeoutError);
    expect(opened).toEqual([]);
    expect(cache.scheduler.isBackground(deck.sha256)).toBe(true);

    server.releaseAll();
    await waitFor('the deck to arrive anyway', () => cache.pathOf(deck.sha256));
    expect(server.requests).toHaveLength(1);
  });

  it('is cancelled when the caller goes away, without leaving the download at the top', async () => {
    const { deck, server, cache, launch, opened } = await roomWithDeckDownloading();
    const page = new AbortController();
    const opening = launch.open({ sha256: deck.sha256 }, { signal: page.signal });
    await waitFor('the wait to boost the download', () => !cache.scheduler.isBackground(deck.sha256));
    page.abort();
    await expect(opening).rejects.toBeInstanceOf(OpenCancelledError);
    expect(cache.scheduler.isBackground(deck.sha256)).toBe(true);
    expect(opened).toEqual([]);

    server.releaseAll();
    await waitFor('the deck to arrive anyway', () => cache.pathOf(deck.sha256));
    expect(opened).toEqual([]);
  });
});

describe('launch.open over the bridge', () => {
  const kiosk: SenderInfo = {
    webContentsId: 7,
    role: 'kiosk',
    isMainFrame: true,
    origin: 'https://summit.example-events.com',
    url: 'https://summit.example-events.com/events/e/launcher/l',
  };

  it('stops waiting with CLIENT_CLOSED_REQUEST when the page goes away; a new page of the same window can wait again', async () => {
    const { deck, server, cache, launch, opened } = await roomWithDeckDownloading();
    const pages = createPageLifetimes();
    const services = fakeServices({
      logger: silentLogger(),
      senderPolicy: { isAllowed: (s: SenderInfo) => s.origin === kiosk.origin },
      device: unusedService('device'),
      launch,
    });
    const caller = () =>
      createCallerFactory(launchRouter)({ sender: kiosk, services, pageGone: pages.signalOf(kiosk.webContentsId) });

    const first = caller()
      .open({ sha256: deck.sha256 })
      .catch((e: unknown) => e);
    await waitFor('the wait to boost the download', () => !cache.scheduler.isBackground(deck.sha256));
    pages.ended(kiosk.webContentsId);
    const error = await first;
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('CLIENT_CLOSED_REQUEST');
    expect(cache.scheduler.isBackground(deck.sha256)).toBe(true);

    const second = caller().open({ sha256: deck.sha256 });
    await waitFor('the new wait to boost the download', () => !cache.scheduler.isBackground(deck.sha256));
    server.releaseAll();
    expect(await second).toEqual({ filename: 'keynote.pptx', copy: 'created' });
    expect(opened).toHaveLength(1);
  });
});
