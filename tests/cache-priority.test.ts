import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { prioritiseBySession } from '../cache/session-priority';
import type { Cache } from '../cache/service';
import type { EventFile } from '../contracts/api';
import { cacheFilesOf } from '../core/event-files';
import { randomFile, removeRoot, sha256Of, tempRoot, testCache } from './support/cache-harness';
import { useCleanups } from './support/cleanups';
import { startGateServer } from './support/gate-server';
import { waitFor } from './share-watcher-helpers';

const cleanups = useCleanups();
const MiB = 1024 * 1024;

async function cacheOver(url: string, concurrency: number): Promise<Cache> {
  const root = await tempRoot();
  cleanups.push(() => removeRoot(root));
  const cache = await testCache(root, url, { concurrency, download: { stallTimeoutMs: 10_000 } });
  cleanups.push(() => cache.close());
  cache.start();
  return cache;
}

const bytesOf = (cache: Cache, sha256: string) => cache.status([sha256]).files[0]!.bytes;

async function expectVerified(cache: Cache, sha256: string): Promise<void> {
  const file = cache.pathOf(sha256);
  expect(file).not.toBeNull();
  expect(sha256Of(await readFile(file!))).toBe(sha256);
}

describe('a file asked to open goes first', () => {
  it('starts before every queued file, pausing a background transfer that later resumes with Range and ends verified', async () => {
    const background = Array.from({ length: 6 }, () => randomFile(3 * MiB));
    const clicked = randomFile(3 * MiB);
    const files = new Map([...background, clicked].map((f) => [f.sha256, f.bytes]));
    const server = await startGateServer(cleanups, files);
    const cache = await cacheOver(server.url, 2);
    const [a, b] = background;

    cache.ensure({ files: background.map((f) => ({ sha256: f.sha256, size: f.bytes.length })) });
    // Both slots busy, each transfer holding bytes on disk, four files queued behind them.
    await waitFor('two transfers with bytes', () => bytesOf(cache, a!.sha256) > 0 && bytesOf(cache, b!.sha256) > 0);
    // (The two connections race to the server: their arrival order is not the client's.)
    expect(server.requests.map((r) => r.sha256).sort()).toEqual([a!.sha256, b!.sha256].sort());

    const opened = cache.fetchForOpen({ sha256: clicked.sha256, size: clicked.bytes.length });
    await waitFor('the clicked file to be asked for', () => server.requests.length >= 3);
    // Third request: the clicked file, ahead of the four queued; the newest background transfer was paused for it.
    expect(server.requests[2]!.sha256).toBe(clicked.sha256);
    expect(cache.status([b!.sha256]).files[0]!.state).toBe('downloading');

    server.releaseAll();
    await opened;
    await waitFor('every file present', () => cache.status([...files.keys()]).totals.present === files.size);
    for (const sha256 of files.keys()) await expectVerified(cache, sha256);

    // The paused transfer was asked for twice: whole, then the rest with Range from where it stopped.
    const forB = server.requests.filter((r) => r.sha256 === b!.sha256);
    expect(forB).toHaveLength(2);
    expect(forB[0]!.range).toBeNull();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(forB[1]!.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThanOrEqual(MiB);
    // Every other file was asked for once: nothing aborted and started over.
    expect(server.requests).toHaveLength(files.size + 1);
  });

  it('a wait that is cancelled gives up its place at the top; the file still downloads, at its list rank', async () => {
    const background = Array.from({ length: 3 }, () => randomFile(3 * MiB));
    const clicked = randomFile(3 * MiB);
    const files = new Map([...background, clicked].map((f) => [f.sha256, f.bytes]));
    const server = await startGateServer(cleanups, files);
    const cache = await cacheOver(server.url, 1);

    cache.ensure({ files: [...background, clicked].map((f) => ({ sha256: f.sha256, size: f.bytes.length })) });
    await waitFor('the first transfer', () => bytesOf(cache, background[0]!.sha256) > 0);
    const page = new AbortController();
    const waiting = cache.fetchForOpen({ sha256: clicked.sha256 }, page.signal);
    await waitFor('the clicked file to be asked for', () => server.requests.length >= 2);
    expect(server.requests[1]!.sha256).toBe(clicked.sha256);
    expect(cache.scheduler.isBackground(clicked.sha256)).toBe(false);

    page.abort(new Error('the page went away'));
    await expect(waiting).rejects.toThrow('the page went away');
    expect(cache.scheduler.isBackground(clicked.sha256)).toBe(true);

    server.releaseAll();
    await waitFor('every file present', () => cache.status([...files.keys()]).totals.present === files.size);
    for (const sha256 of files.keys()) await expectVerified(cache, sha256);
  });
});

describe('the running session, then the next, then the rest', () => {
  const now = new Date('2026-06-01T10:00:00Z');
  const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString();
  const eventFile = (
    sha256: string,
    session: { id: string; start: number; end?: number } | null,
    size = 256 * 1024,
  ): EventFile => ({
    event_file_id: `ef-${sha256.slice(0, 8)}`,
    event_id: 'ev',
    filename: `${sha256.slice(0, 8)}.pptx`,
    sha256,
    size,
    updated_at: at(-600),
    ...(session
      ? {
          session_id: session.id,
          session_starts_at: at(session.start),
          ...(session.end !== undefined ? { session_ends_at: at(session.end) } : {}),
        }
      : {}),
  });

  it('orders the list by session and syncs it in that order', async () => {
    const blobs = Array.from({ length: 8 }, () => randomFile(256 * 1024));
    const sha = blobs.map((b) => b.sha256);
    // Listed in an order that is none of the wanted ones.
    const listed: EventFile[] = [
      eventFile(sha[0]!, { id: 'past', start: -180, end: -120 }),
      eventFile(sha[1]!, null),
      eventFile(sha[2]!, { id: 'later', start: 120, end: 180 }),
      eventFile(sha[3]!, { id: 'next', start: 30, end: 90 }),
      eventFile(sha[4]!, { id: 'now', start: -10, end: 20 }),
      eventFile(sha[5]!, { id: 'next', start: 30, end: 90 }),
      eventFile(sha[6]!, { id: 'now', start: -10, end: 20 }),
      eventFile(sha[7]!, { id: 'soon-after', start: 60 }),
    ];
    expect(prioritiseBySession(listed, now).map((p) => [p.file.sha256, p.priority])).toEqual([
      [sha[4], 'current-session'],
      [sha[6], 'current-session'],
      [sha[3], 'next-session'],
      [sha[5], 'next-session'],
      [sha[7], 'event'],
      [sha[2], 'event'],
      [sha[1], 'event'],
      [sha[0], 'event'],
    ]);

    const server = await startGateServer(cleanups, new Map(blobs.map((b) => [b.sha256, b.bytes])));
    server.releaseAll();
    const cache = await cacheOver(server.url, 1);
    cache.ensure({ files: cacheFilesOf(listed, now) });
    await waitFor('every file present', () => cache.status(sha).totals.present === sha.length);
    expect(server.requests.map((r) => r.sha256)).toEqual([
      sha[4],
      sha[6],
      sha[3],
      sha[5],
      sha[7],
      sha[2],
      sha[1],
      sha[0],
    ]);
  });

  it('a session that started moves its queued files ahead of those queued before them', async () => {
    const blobs = Array.from({ length: 4 }, () => randomFile(3 * MiB));
    const sha = blobs.map((b) => b.sha256);
    const server = await startGateServer(cleanups, new Map(blobs.map((b) => [b.sha256, b.bytes])));
    const cache = await cacheOver(server.url, 1);
    const listed = [
      eventFile(sha[0]!, null, 3 * MiB),
      eventFile(sha[1]!, null, 3 * MiB),
      eventFile(sha[2]!, { id: 'b', start: 60, end: 90 }, 3 * MiB),
      eventFile(sha[3]!, { id: 'a', start: 30, end: 60 }, 3 * MiB),
    ];
    cache.ensure({ files: cacheFilesOf(listed, now) });
    await waitFor('the first transfer', () => server.requests.length >= 1);
    expect(server.requests[0]!.sha256).toBe(sha[3]);
    // Session a started and b is next: the list is handed over again with new priorities.
    cache.ensure({ files: cacheFilesOf(listed, new Date(now.getTime() + 31 * 60_000)) });
    server.releaseAll();
    await waitFor('every file present', () => cache.status(sha).totals.present === sha.length);
    expect(server.requests.map((r) => r.sha256)).toEqual([sha[3], sha[2], sha[0], sha[1]]);
  });
});
