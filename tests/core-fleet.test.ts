import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UpdateNotReadyError } from '../update-helper/version-watcher';
import { createFleetWiring, type FleetWiringDeps } from '../core/fleet';
import { silentLogger } from '../base/logger';
import type { BootstrapState } from '../provisioning/bootstrap-state';
import type { StagedManifest } from '../contracts/staged-manifest';
import { waitFor } from './share-watcher-helpers';
import { useCleanups } from './support/cleanups';
import { dropVersion, nativeAppDir, sha256 } from './version-watcher-fixtures';
import { createRoomTelemetry } from '../core/room';
import { pageFacingCache } from '../cache/page-cache';
import { statfsFreeBytes } from '../cache/disk-space';
import { cacheRouter } from '../router/cache';
import type { Services } from '../router/services';
import { createCallerFactory } from '../router/trpc';
import { FleetStatus } from '../contracts/status-file';
import { startFaultServer } from './fault-server';
import { randomFile, testCache } from './support/cache-harness';

const cleanups = useCleanups();

function fakeBootstrap(initial: BootstrapState) {
  let state = initial;
  const listeners = new Set<(s: BootstrapState) => void>();
  return {
    state: () => state,
    subscribe(l: (s: BootstrapState) => void) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    publish(next: BootstrapState) {
      state = next;
      for (const l of listeners) l(next);
    },
  };
}

/** Drops a 1.1.0 build and its version.json into the share's folder for this platform. */
async function offerBuild110(share: string): Promise<Buffer> {
  const dir = await nativeAppDir(share);
  const build = Buffer.from('#!/bin/sh\necho 1.1.0\n');
  await writeFile(path.join(dir, 'Aether-1.1.0.AppImage'), build);
  await dropVersion(dir, {
    version: '1.1.0',
    file: 'Aether-1.1.0.AppImage',
    sha256: sha256(build),
    size: build.length,
  });
  return build;
}

async function setup(
  packaged: boolean,
  cacheSummary?: () => { files: number; bytes: number; missing: number },
  watchOnly?: string,
  room?: FleetWiringDeps['room'],
) {
  const dir = await cleanups.tempDir('fleet-wiring');
  const share = path.join(dir, 'share');
  const appImage = path.join(dir, 'opt', 'Aether.AppImage');
  await (await import('node:fs/promises')).mkdir(path.dirname(appImage), { recursive: true });
  await writeFile(appImage, 'installed');
  const bootstrap = fakeBootstrap({ kind: 'authenticating', api: 'https://api.example-events.com' });
  const handedOver: StagedManifest[] = [];
  const wiring = createFleetWiring({
    platform: 'linux',
    arch: 'x64',
    paths: { shareCandidates: [share] },
    packaged,
    appVersion: '1.0.0',
    exePath: '/tmp/.mount_Aether/aether',
    env: { APPIMAGE: appImage },
    logger: silentLogger(),
    run: async () => ({ exitCode: 0, stdout: '', stderr: '' }),
    hostname: async () => 'lectern-a',
    bootstrap,
    applyStagedUpdate: async (m) => void handedOver.push(m),
    cacheSummary,
    ...(watchOnly ? { watchOnly } : {}),
    ...(room ? { room } : {}),
  });
  cleanups.push(() => wiring.close());
  const statusFile = path.join(share, 'status', 'lectern-a.json');
  const readStatus = () =>
    readFile(statusFile, 'utf8').then(
      (t) => JSON.parse(t) as Record<string, unknown>,
      () => undefined,
    );
  return { share, appImage, wiring, bootstrap, handedOver, readStatus };
}

describe('fleet wiring (the composition root hook)', () => {
  it('reports the cache summary in the status file, re-read on refresh()', async () => {
    let cache = { files: 3, bytes: 1_000, missing: 3 };
    const { wiring, readStatus } = await setup(false, () => cache);
    await wiring.start();
    await waitFor('the first status file', readStatus);
    expect(await readStatus()).toMatchObject({ cache: { files: 3, bytes: 1_000, missing: 3 } });
    cache = { files: 3, bytes: 3_000, missing: 0 };
    wiring.refresh();
    await wiring.close();
    expect(await readStatus()).toMatchObject({ cache: { files: 3, bytes: 3_000, missing: 0 } });
  });

  it('stages a release next to the AppImage, reports it in the status file, and hands it over on apply', async () => {
    const { share, appImage, wiring, handedOver, readStatus } = await setup(true);
    await wiring.start();
    await waitFor('the first status file', readStatus);
    const build = await offerBuild110(share);
    await waitFor('staged', () => wiring.update.status().state.kind === 'staged');
    await wiring.update.apply();
    expect(handedOver[0]).toMatchObject({ version: '1.1.0', install_path: appImage, kind: 'appimage' });
    expect(await readFile(handedOver[0]?.staged_path ?? '', 'utf8')).toBe(build.toString());
    const status = await waitFor(
      'the status file to show the update',
      async () => {
        const s = await readStatus();
        return s && (s.update as { available: string | null }).available === '1.1.0' ? s : undefined;
      },
      15_000,
    );
    expect(status).toMatchObject({ hostname: 'lectern-a', app_version: '1.0.0', state: 'authenticating' });
  });

  it('does not watch for updates in a development build but still reports status', async () => {
    const { wiring, readStatus } = await setup(false);
    await wiring.start();
    expect(wiring.update.status().state).toEqual({ kind: 'idle', note: 'updates are off in development builds' });
    await expect(wiring.update.apply()).rejects.toThrow(/No update is staged/);
    expect(await waitFor('the status file', readStatus)).toMatchObject({
      state: 'authenticating',
      update: { available: null, staged: null },
    });
  });

  it('watch-only (the headless agent): reports an offered release and refuses to stage it, saying why', async () => {
    const { share, wiring, handedOver, readStatus } = await setup(
      false,
      undefined,
      'the headless agent does not install builds',
    );
    await wiring.start();
    await offerBuild110(share);
    await waitFor('the refusal', () => wiring.update.status().state.kind === 'failed');
    expect(wiring.update.status().state).toEqual({
      kind: 'failed',
      version: '1.1.0',
      failure: {
        code: 'staging-refused',
        version: '1.1.0',
        detail: '1.1.0 is offered in the share, but the headless agent does not install builds',
      },
      reason: '1.1.0 is offered in the share, but the headless agent does not install builds',
    });
    await expect(wiring.update.apply()).rejects.toThrow(/No update is staged/);
    expect(handedOver).toEqual([]);
    await wiring.close();
    expect(await readStatus()).toMatchObject({
      update: {
        staged: null,
        last_error: '1.1.0 is offered in the share, but the headless agent does not install builds',
      },
    });
  });

  it('a staged update is refused while the room says wait, says why in the status file, and is applied once it is quiet', async () => {
    let waitingFor: string | null = 'the session "Opening keynote" to end';
    const room: FleetWiringDeps['room'] = {
      fields: () => ({
        room: { state: 'presenting', reason: 'Keynote.pptx' },
        on_screen: null,
        sessions: [],
        screenshot: null,
      }),
      waitingFor: () => waitingFor,
    };
    const { share, wiring, handedOver, readStatus } = await setup(true, undefined, undefined, room);
    await wiring.start();
    await offerBuild110(share);
    await waitFor('staged', () => wiring.update.status().state.kind === 'staged');

    await expect(wiring.update.apply()).rejects.toThrow(UpdateNotReadyError);
    await expect(wiring.update.apply()).rejects.toThrow('waiting for the session "Opening keynote" to end');
    wiring.refresh();
    expect(handedOver).toEqual([]);

    waitingFor = null;
    wiring.refresh();
    await waitFor('the deferred apply', () => handedOver.length === 1 || undefined);
    expect(handedOver.map((m) => m.version)).toEqual(['1.1.0']);
    await wiring.close();
    expect((await readStatus())?.room).toEqual({ state: 'presenting', reason: 'Keynote.pptx' });
  });

  it('cache.status and the status file say, per session, show-ready or not ready since when (one tracker), and free space', async () => {
    const server = await startFaultServer();
    cleanups.push(() => server.close());
    const root = await cleanups.tempDir('readiness-cache');
    const statfsCalls: string[] = [];
    const cache = await testCache(root, server.url, {
      freeBytes: (dir) => (statfsCalls.push(dir), statfsFreeBytes(dir)),
      freeSpaceMaxAgeMs: 60 * 60_000,
    });
    cleanups.push(() => cache.close());
    const deck = randomFile(40_000);
    const video = randomFile(30_000);
    const handout = randomFile(20_000);
    server.addBuffer(deck.bytes);
    server.addBuffer(handout.bytes);
    await cache.fetch({ sha256: deck.sha256, size: 40_000 });
    await cache.fetch({ sha256: handout.sha256, size: 20_000 });
    // Keynote at 14:00 has its deck but not its video; the roadmap at 16:00 has everything.
    const keynote = { session_id: 'keynote', session_title: 'Keynote', session_starts_at: '2026-12-02T14:00:00.000Z' };
    const roadmap = { session_id: 'roadmap', session_title: 'Roadmap', session_starts_at: '2026-12-02T16:00:00.000Z' };
    const list = [
      { sha256: deck.sha256, ...keynote, session_ends_at: '2026-12-02T15:00:00.000Z' },
      { sha256: video.sha256, ...keynote, session_ends_at: '2026-12-02T15:00:00.000Z' },
      { sha256: handout.sha256, ...roadmap, session_ends_at: '2026-12-02T17:00:00.000Z' },
    ];
    let now = new Date('2026-12-02T13:32:00.000Z');
    const room = createRoomTelemetry({
      platform: 'linux',
      run: async () => ({ exitCode: 1, stdout: '', stderr: '' }),
      bootstrap: () => ({ kind: 'ready', api: 'https://api.example-events.com' }) as BootstrapState,
      eventFiles: () =>
        list.map((f) => ({
          ...f,
          event_file_id: f.sha256.slice(0, 8),
          event_id: 'ev',
          filename: 'x',
          size: 1,
          updated_at: '2026-12-01T00:00:00.000Z',
        })),
      isPresent: (h) => cache.store.has(h),
      cache: () => ({ files: 3, missing: 1 }),
      syncing: () => false,
      disk: () => cache.disk(),
      screenshotMinutes: () => null,
      presentations: null,
      screenshots: null,
      logger: silentLogger(),
      onChange: () => undefined,
      now: () => now,
    });
    cleanups.push(() => room.close());
    const bridge = createCallerFactory(cacheRouter)({
      sender: {
        webContentsId: 2,
        role: 'splash',
        isMainFrame: true,
        origin: 'app://splash',
        url: 'app://splash/index.html',
      },
      services: {
        logger: silentLogger(),
        senderPolicy: { isAllowed: () => true },
        cache: pageFacingCache({ cache, eventFiles: () => list, sessions: () => room.sessions() }),
      } as unknown as Services,
    });

    const first = await bridge.status({ hashes: [] });
    expect(first.sessions).toEqual([
      {
        id: 'keynote',
        title: 'Keynote',
        starts_at: '2026-12-02T14:00:00.000Z',
        ends_at: '2026-12-02T15:00:00.000Z',
        files: 2,
        missing: 1,
        ready: false,
        at_risk_since: '2026-12-02T13:32:00.000Z',
      },
      {
        id: 'roadmap',
        title: 'Roadmap',
        starts_at: '2026-12-02T16:00:00.000Z',
        ends_at: '2026-12-02T17:00:00.000Z',
        files: 1,
        missing: 0,
        ready: true,
        at_risk_since: null,
      },
    ]);
    expect(first.disk).toMatchObject({ freeUnknown: null, minFreeBytes: 16 * 1024 * 1024, cacheBytes: 60_000 });
    expect(first.disk.freeBytes).toBeGreaterThan(0);

    // Later on, the bridge and the status file still say since 13:32: one tracker, not one per reader.
    now = new Date('2026-12-02T13:40:00.000Z');
    const flood = await Promise.all(Array.from({ length: 500 }, () => bridge.status({ hashes: [] })));
    expect(new Set(flood.map((r) => r.sessions[0]!.at_risk_since))).toEqual(new Set(['2026-12-02T13:32:00.000Z']));
    // 500 status calls read free space at most once more than the downloads did.
    expect(cache.freeSpace.reads).toBeLessThanOrEqual(1);

    await room.refresh();
    const { wiring, readStatus } = await setup(false, undefined, undefined, room);
    await wiring.start();
    await waitFor('the first status file', readStatus);
    const written = FleetStatus.parse(await readStatus());
    expect(written.sessions?.[0]).toEqual({
      id: 'keynote',
      title: 'Keynote',
      starts_at: '2026-12-02T14:00:00.000Z',
      ready: false,
      missing: 1,
      files: 2,
      at_risk_since: '2026-12-02T13:32:00.000Z',
    });
    expect(written.sessions?.[1]).toMatchObject({ id: 'roadmap', ready: true, at_risk_since: null });
    expect(written.disk).toMatchObject({ free_unknown: null, min_free_bytes: 16 * 1024 * 1024, cache_bytes: 60_000 });
    expect(written.disk?.free_bytes).toBeGreaterThan(0);
    // Download budget and status share the readings; nothing read free space per call.
    expect(statfsCalls.length).toBeLessThanOrEqual(3);
    await wiring.close();
  });
});
