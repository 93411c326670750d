import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { installShutdown } from '../apps/desktop/shutdown';
import { healthMarkerOnFirstLoad, repairSwapAtStart } from '../apps/desktop/update-health';
import { installWindowLifecycle } from '../apps/desktop/window-lifecycle';
import { swapFilesIn } from '../update-helper/apply-update';
import { readHealthMarker } from '../update-helper/health-marker';
import { app, BrowserWindow, resetFakeElectron } from './fakes/electron';
import { captureLogger } from './fakes/services';

beforeEach(() => resetFakeElectron());

describe('shutdown', () => {
  it('holds the first quit until every part closed, in the order added, then quits again', async () => {
    const shutdown = installShutdown({ app: app as never, logger: silentLogger() });
    const closed: string[] = [];
    let releaseFleet: () => void = () => {};
    shutdown.add(
      'fleet',
      () =>
        new Promise<void>(
          (resolve) =>
            (releaseFleet = () => {
              closed.push('fleet');
              resolve();
            }),
        ),
    );
    shutdown.add('cache', () => void closed.push('cache'));
    app.quit();
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toEqual([]);
    expect(app.calls.quit).toBe(1);
    releaseFleet();
    await shutdown.done;
    await expect.poll(() => app.calls.quit).toBe(2);
    expect(closed).toEqual(['fleet', 'cache']);
    app.quit();
    await new Promise((resolve) => setImmediate(resolve));
    expect(app.calls.quit).toBe(3);
  });

  it('logs a part that fails to close and still closes the rest', async () => {
    const capture = captureLogger();
    const shutdown = installShutdown({ app: app as never, logger: capture.logger });
    const closed: string[] = [];
    shutdown.add('watcher', () => Promise.reject(new Error('EBUSY')));
    shutdown.add('cache', () => void closed.push('cache'));
    app.quit();
    await shutdown.done;
    expect(closed).toEqual(['cache']);
    expect(capture.lines.find((l) => l.msg === 'shutdown: a part did not close cleanly')).toMatchObject({
      part: 'watcher',
    });
  });

  it('quits after the time bound when a part never closes', async () => {
    const shutdown = installShutdown({ app: app as never, logger: silentLogger(), timeoutMs: 20 });
    shutdown.add('hung', () => new Promise(() => {}));
    app.quit();
    await shutdown.done;
    await expect.poll(() => app.calls.quit).toBe(2);
  });
});

describe('window-all-closed', () => {
  const lifecycle = () =>
    installWindowLifecycle({
      app: app as never,
      openWindowCount: () => BrowserWindow.getAllWindows().length,
      logger: silentLogger(),
    });

  it('quits when the last window closes outside a window switch', () => {
    lifecycle();
    new BrowserWindow().close();
    expect(app.calls.quit).toBe(1);
  });

  it('stays up while switching from the splash to the kiosk', async () => {
    const windows = lifecycle();
    const splash = new BrowserWindow();
    const kiosk = await windows.switching(async () => {
      splash.close();
      expect(app.calls.quit).toBe(0);
      return new BrowserWindow();
    });
    expect(kiosk.isDestroyed()).toBe(false);
    expect(app.calls.quit).toBe(0);
  });

  it('quits when a switch ends with no window open', async () => {
    const windows = lifecycle();
    const splash = new BrowserWindow();
    await expect(
      windows.switching(async () => {
        splash.close();
        throw new Error('kiosk could not open');
      }),
    ).rejects.toThrow('kiosk could not open');
    expect(app.calls.quit).toBe(1);
  });
});

describe('the update helper’s health marker and startup repair', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'aether-health-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('writes the marker on the first healthy kiosk state only', async () => {
    const onState = healthMarkerOnFirstLoad({ stateDir, version: '1.4.0', logger: silentLogger() });
    const markerPath = swapFilesIn(stateDir).healthMarker;
    onState({ kind: 'loading', url: 'https://x', failures: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(readHealthMarker(markerPath)).resolves.toBeNull();
    onState({ kind: 'healthy', url: 'https://x', failures: 0, since: 1 });
    await expect.poll(() => readHealthMarker(markerPath)).toMatchObject({ version: '1.4.0', pid: process.pid });
    await rm(markerPath);
    onState({ kind: 'healthy', url: 'https://x', failures: 0, since: 2 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(readHealthMarker(markerPath)).resolves.toBeNull();
  });

  it('repairs only in the packaged app, and starts the helper’s --recover for a half-done swap', async () => {
    const files = swapFilesIn(stateDir);
    await mkdir(path.dirname(files.journal), { recursive: true });
    await writeFile(
      files.journal,
      'state=moving-new-in\ninstalled=/opt/Aether\nbackup=/opt/.aether-backup/Aether\nexpect_version=1.4.0\n',
    );
    const resources = path.join(stateDir, 'resources');
    await mkdir(resources);
    await writeFile(path.join(resources, 'update_helper.sh'), '#!/bin/sh\n');
    const spawned: string[][] = [];
    const spawn = ((command: string, args: readonly string[]) => {
      spawned.push([command, ...args]);
      const child = Object.assign(new EventEmitter(), { pid: 4242, unref() {} });
      setImmediate(() => child.emit('spawn'));
      return child;
    }) as never;

    await expect(
      repairSwapAtStart({ packaged: false, stateDir, resourcesPath: resources, spawn, logger: silentLogger() }),
    ).resolves.toBeNull();
    expect(spawned).toEqual([]);
    await expect(
      repairSwapAtStart({ packaged: true, stateDir, resourcesPath: resources, spawn, logger: silentLogger() }),
    ).resolves.toEqual({ kind: 'recovery-started', state: 'moving-new-in', helperPid: 4242 });
    expect(spawned[0]).toEqual([
      '/bin/sh',
      path.join(files.helperRunDir, 'update_helper.sh'),
      '--recover',
      `--journal=${files.journal}`,
      `--log=${files.log}`,
    ]);
    expect(await readFile(path.join(files.helperRunDir, 'update_helper.sh'), 'utf8')).toBe('#!/bin/sh\n');
  });

  it('starts the app as it is when the journal cannot be read', async () => {
    const files = swapFilesIn(stateDir);
    await mkdir(files.journal, { recursive: true });
    const capture = captureLogger();
    await expect(
      repairSwapAtStart({
        packaged: true,
        stateDir,
        resourcesPath: stateDir,
        spawn: (() => {
          throw new Error('no spawn');
        }) as never,
        logger: capture.logger,
      }),
    ).resolves.toBeNull();
    expect(capture.messages()).toContain(
      'an interrupted update swap could not be checked; starting the installed app as it is',
    );
  });
});
