import { spawn } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { execFileRunner } from '../base/command-runner';
import { silentLogger } from '../base/logger';
import { RateLimiter } from '../cache/rate-limit';
import type { Cache } from '../cache/service';
import type { DeviceRecord } from '../contracts/api';
import { createRoomTelemetry } from '../core/room';
import { backgroundPolicyFor, createSyncPolicyWiring, PRESENTING_DEFAULT_MAX_MBPS } from '../core/sync-policy';
import { presentationAppRunning } from '../kiosk/presentation-running';
import { randomFile, removeRoot, sha256Of, tempRoot, testCache } from './support/cache-harness';
import { useCleanups } from './support/cleanups';
import { startGateServer } from './support/gate-server';
import { waitFor } from './share-watcher-helpers';
import { readFile } from 'node:fs/promises';

const cleanups = useCleanups();
const MiB = 1024 * 1024;
type Policy = Pick<DeviceRecord, 'sync_while_presenting' | 'max_download_mbps'>;

/** A stand-in LibreOffice: a process whose command line names a program called soffice (as tests/room-wiring). */
async function standInSoffice(): Promise<() => Promise<void>> {
  const dir = await cleanups.tempDir('soffice');
  const program = path.join(dir, 'soffice');
  await writeFile(program, '#!/bin/sh\nsleep 60\n');
  await chmod(program, 0o755);
  const child = spawn('/bin/sh', [program], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  cleanups.push(stop);
  await waitFor(
    'the stand-in to run',
    async () => (await presentationAppRunning('linux', execFileRunner())) || undefined,
  );
  return stop;
}

/** The cache, the room telemetry over the real process check, and the core's policy wiring between them. */
async function presentingRoom(files: Map<string, Buffer>, device: Policy) {
  const server = await startGateServer(cleanups, files);
  const root = await tempRoot();
  cleanups.push(() => removeRoot(root));
  const cache: Cache = await testCache(root, server.url, { concurrency: 4, download: { stallTimeoutMs: 10_000 } });
  cleanups.push(() => cache.close());
  const wiring = { apply: () => undefined as void };
  const room = createRoomTelemetry({
    platform: 'linux',
    run: execFileRunner(),
    bootstrap: () => ({ kind: 'starting' }) as never,
    eventFiles: () => null,
    isPresent: (sha256) => cache.store.has(sha256),
    cache: () => ({ files: 0, missing: 0 }),
    syncing: () => false,
    screenshotMinutes: () => null,
    presentations: null,
    screenshots: null,
    logger: silentLogger(),
    onChange: () => wiring.apply(),
    refreshMs: 3_600_000,
  });
  cleanups.push(() => room.close());
  wiring.apply = createSyncPolicyWiring({ cache, presenting: () => room.isPresenting(), device: () => device }).apply;
  wiring.apply();
  cache.start();
  return { server, cache, room };
}

const listOf = (blobs: { sha256: string; bytes: Buffer }[]) =>
  blobs.map((b) => ({ sha256: b.sha256, size: b.bytes.length }));

async function expectVerified(cache: Cache, sha256: string): Promise<void> {
  expect(sha256Of(await readFile(cache.pathOf(sha256)!))).toBe(sha256);
}

describe('background sync while a presentation runs', () => {
  it('throttles to one background transfer while the app runs, lets an open through, and syncs fully once it exits', async () => {
    const background = Array.from({ length: 8 }, () => randomFile(3 * MiB));
    const clicked = randomFile(3 * MiB);
    const files = new Map([...background, clicked].map((f) => [f.sha256, f.bytes]));
    const { server, cache, room } = await presentingRoom(files, {
      sync_while_presenting: 'throttle',
      max_download_mbps: null,
    });
    const stop = await standInSoffice();
    room.opened({ filename: 'keynote.pptx', sha256: clicked.sha256, event_file_id: null, event_device_id: null });
    await room.refresh();
    expect(room.isPresenting()).toBe(true);
    expect(cache.backgroundPolicy.mode).toBe('throttle');

    const hashes = background.map((b) => b.sha256);
    cache.ensure({ files: listOf(background) });
    await waitFor('one transfer', () => server.requests.length === 1);
    expect(cache.status(hashes).totals).toMatchObject({ downloading: 1, queued: 7 });

    // The presenter's file still goes at once, beside the one background transfer.
    const opening = cache.fetchForOpen({ sha256: clicked.sha256, size: clicked.bytes.length });
    await waitFor('the clicked file to be asked for', () => server.requests.length === 2);
    expect(server.requests[1]!.sha256).toBe(clicked.sha256);
    expect(server.inFlight()).toBe(2);
    server.releaseHeld();
    await opening;
    await waitFor(
      'the first background file committed and the next one asked for',
      () => server.requests.length === 3 && cache.status(hashes).totals.present === 1,
    );
    expect(cache.status(hashes).totals).toMatchObject({ present: 1, downloading: 1, queued: 6 });
    expect(server.maxInFlight()).toBe(2);

    // The presentation app exits: the room sees it, and every slot is used again.
    await stop();
    await room.refresh();
    expect(room.isPresenting()).toBe(false);
    expect(cache.backgroundPolicy.mode).toBe('full');
    await waitFor('four transfers at once', () => server.requests.length === 6);
    expect(server.inFlight()).toBe(4);
    server.releaseAll();
    await waitFor('every file present', () => cache.status(hashes).totals.present === hashes.length);
    for (const sha256 of hashes) await expectVerified(cache, sha256);
    // Nothing was aborted and asked for again.
    expect(server.requests).toHaveLength(files.size);
  });

  it('pauses background sync while the app runs (an open still proceeds) and resumes when it exits', async () => {
    const background = Array.from({ length: 4 }, () => randomFile(512 * 1024));
    const clicked = randomFile(512 * 1024);
    const files = new Map([...background, clicked].map((f) => [f.sha256, f.bytes]));
    const { server, cache, room } = await presentingRoom(files, {
      sync_while_presenting: 'pause',
      max_download_mbps: 50,
    });
    server.releaseAll();
    const stop = await standInSoffice();
    room.opened({ filename: 'keynote.pptx', sha256: clicked.sha256, event_file_id: null, event_device_id: null });
    await room.refresh();
    expect(cache.backgroundPolicy).toEqual({ mode: 'pause', maxMbps: 50 });

    const hashes = background.map((b) => b.sha256);
    cache.ensure({ files: listOf(background) });
    expect(cache.status(hashes).totals).toMatchObject({ queued: 4 });
    await cache.fetchForOpen({ sha256: clicked.sha256 });
    await expectVerified(cache, clicked.sha256);
    // The open was the only transfer: background work waited.
    expect(server.requests.map((r) => r.sha256)).toEqual([clicked.sha256]);
    expect(cache.status(hashes).totals).toMatchObject({ queued: 4 });

    await stop();
    await room.refresh();
    expect(cache.backgroundPolicy).toEqual({ mode: 'full', maxMbps: 50 });
    await waitFor('every file present', () => cache.status(hashes).totals.present === hashes.length);
    for (const sha256 of hashes) await expectVerified(cache, sha256);
  });
});

describe('the default cap while throttled', () => {
  it('paces every background byte at PRESENTING_DEFAULT_MAX_MBPS and none of a file asked to open; lifted when the app exits', async () => {
    const background = randomFile(768 * 1024);
    const clicked = randomFile(768 * 1024);
    const files = new Map([background, clicked].map((f) => [f.sha256, f.bytes]));
    const { server, cache, room } = await presentingRoom(files, {
      sync_while_presenting: 'throttle',
      max_download_mbps: null,
    });
    const stop = await standInSoffice();
    room.opened({ filename: 'keynote.pptx', sha256: clicked.sha256, event_file_id: null, event_device_id: null });
    await room.refresh();
    expect(cache.backgroundPolicy).toEqual({ mode: 'throttle', maxMbps: PRESENTING_DEFAULT_MAX_MBPS });
    // The configured rate: megabits to bytes per second.
    expect(cache.backgroundLimiter?.bytesPerSecond).toBe((PRESENTING_DEFAULT_MAX_MBPS * 1_000_000) / 8);

    cache.ensure({ files: listOf([background]) });
    await waitFor('the background transfer', () => server.requests.length === 1);
    const opening = cache.fetchForOpen({ sha256: clicked.sha256, size: clicked.bytes.length });
    await waitFor('the clicked file to be asked for', () => server.requests.length === 2);
    server.releaseAll();
    await opening;
    await waitFor('the background file present', () => cache.status([background.sha256]).totals.present === 1);
    await expectVerified(cache, background.sha256);
    await expectVerified(cache, clicked.sha256);
    // Counted work: the budget was charged exactly the background file's bytes, nothing of the open.
    expect(cache.backgroundLimiter?.takenBytes).toBe(background.bytes.length);

    await stop();
    await room.refresh();
    expect(cache.backgroundPolicy).toEqual({ mode: 'full', maxMbps: null });
    expect(cache.backgroundLimiter).toBeNull();
  });

  it("the device record's max_download_mbps replaces the default cap while throttled", async () => {
    const { cache, room } = await presentingRoom(new Map(), {
      sync_while_presenting: 'throttle',
      max_download_mbps: 80,
    });
    const stop = await standInSoffice();
    room.opened({ filename: 'keynote.pptx', sha256: 'a'.repeat(64), event_file_id: null, event_device_id: null });
    await room.refresh();
    expect(cache.backgroundPolicy).toEqual({ mode: 'throttle', maxMbps: 80 });
    expect(cache.backgroundLimiter?.bytesPerSecond).toBe(10_000_000);
    await stop();
  });
});

describe('the policy and the cap', () => {
  it('follows the device record only while presenting, throttling by default', () => {
    // Throttled without a cap of its own: the default cap while presenting.
    expect(backgroundPolicyFor(null, true)).toEqual({ mode: 'throttle', maxMbps: PRESENTING_DEFAULT_MAX_MBPS });
    expect(backgroundPolicyFor({ max_download_mbps: null }, true).maxMbps).toBe(PRESENTING_DEFAULT_MAX_MBPS);
    expect(backgroundPolicyFor(null, false)).toEqual({ mode: 'full', maxMbps: null });
    // The device's own cap wins, higher or lower; `full` while presenting is not capped by default.
    expect(backgroundPolicyFor({ max_download_mbps: 200 }, true)).toEqual({ mode: 'throttle', maxMbps: 200 });
    expect(backgroundPolicyFor({ sync_while_presenting: 'full' }, true)).toEqual({ mode: 'full', maxMbps: null });
    expect(backgroundPolicyFor({ sync_while_presenting: 'pause', max_download_mbps: 20 }, true)).toEqual({
      mode: 'pause',
      maxMbps: 20,
    });
    expect(backgroundPolicyFor({ max_download_mbps: 8 }, false)).toEqual({ mode: 'full', maxMbps: 8 });
  });

  it('max_download_mbps holds background bytes to the rate after a one-second burst', () => {
    let now = 0;
    // 8 Mbit/s = 1,000,000 bytes a second.
    const limiter = RateLimiter.fromMbps(8, () => now);
    expect(limiter.delayFor(1_000_000)).toBe(0);
    expect(limiter.delayFor(500_000)).toBe(500);
    now += 500;
    expect(limiter.delayFor(0)).toBe(0);
    expect(limiter.delayFor(250_000)).toBe(250);
    now += 10_000;
    // A long quiet spell refills one second's worth, no more.
    expect(limiter.delayFor(1_000_000)).toBe(0);
    expect(limiter.delayFor(1)).toBe(1);
  });
});
