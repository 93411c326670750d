import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { electronOpener } from '../apps/desktop/opener.electron';
import { execFileRunner } from '../base/command-runner';
import type { Logger } from '../base/logger';
import { openCoreCache } from '../core/cache';
import { bootstrapFileSource } from '../core/file-source';
import { createIdentityStream } from '../core/identity';
import { createCoreLaunchService } from '../core/launch';
import { startSimulator, type Simulator } from '../apps/simulator/index';
import { createBootstrap, type Bootstrap } from '../provisioning/bootstrap';
import { MemorySecretStore } from '../provisioning/secret-store';
import { createStateStore } from '../provisioning/state-store';
import { resetFakeElectron, shell } from './fakes/electron';
import { captureLogger } from './fakes/services';

let simulator: Simulator;
let bootstrap: Bootstrap;
let workDir: string;
let closers: (() => Promise<void>)[];

beforeEach(async () => {
  resetFakeElectron();
  closers = [];
  simulator = await startSimulator();
  workDir = await mkdtemp(path.join(os.tmpdir(), 'aether-launch-wiring-'));
  const seedPath = path.join(workDir, 'seed.json');
  await writeFile(seedPath, JSON.stringify(simulator.demoSeed()));
  const none = path.join(workDir, 'none.json');
  bootstrap = createBootstrap({
    discovery: { seedArg: seedPath, env: {}, packaged: true, paths: { devSeedPath: none, seedConfigPath: none } },
    defaultApiUrl: simulator.url,
    stateStore: createStateStore({ stateDir: path.join(workDir, 'state'), logger: silentLogger() }),
    secretStore: new MemorySecretStore(),
    logger: silentLogger(),
  });
});

/** The core's cache over a real bootstrap, as createAetherCore wires it: the identity stream and bootstrap's file source. */
async function openDesktopCache(deps: {
  defaultRoot: string;
  lastDevice: Readonly<Record<string, unknown>> | null;
  bootstrap: Bootstrap;
  logger: Logger;
}) {
  const identity = createIdentityStream(deps.bootstrap, () => ({ seedMissing: false, searched: [] }));
  closers.push(async () => identity.close());
  return openCoreCache({ ...deps, identity, source: bootstrapFileSource(deps.bootstrap) });
}

afterEach(async () => {
  for (const close of closers.reverse()) await close();
  await bootstrap.stop();
  await simulator.close();
  await rm(workDir, { recursive: true, force: true });
});

/** The desktop's cache wiring over `<workDir>/cache`, closed after the test. */
async function openWiredCache(lastDevice: { local_file_cache_path: string } | null = null) {
  const wired = await openDesktopCache({
    defaultRoot: path.join(workDir, 'cache'),
    lastDevice,
    bootstrap,
    logger: silentLogger(),
  });
  closers.push(wired.close);
  return wired;
}

describe('composition-root wiring of the cache and the launch group', () => {
  it('starts syncing only once bootstrap has a device, then downloads with the JWT and launches through shell.openPath', async () => {
    const wired = await openWiredCache();
    expect(wired.cache.syncState.state).toBe('stopped');

    simulator.demo.device.host_file_temp_path = path.join(workDir, 'from-record');
    const ready = await bootstrap.run();
    expect(ready.kind).toBe('ready');
    expect(wired.cache.syncState.state).not.toBe('stopped');

    const keynote = simulator.demo.files.find((f) => f.filename === 'Keynote.pptx')!;
    await wired.cache.fetch({ sha256: keynote.sha256, size: keynote.size });
    const identity = createIdentityStream(bootstrap, () => ({ seedMissing: false, searched: [] }));
    closers.push(async () => identity.close());
    const eventFiles = () =>
      simulator.demo.files.map((f) => ({ event_file_id: f.event_file_id, sha256: f.sha256, filename: f.filename }));
    const launch = createCoreLaunchService({
      platform: 'linux',
      cache: wired.cache,
      identity,
      defaultTempRoot: path.join(workDir, 'launch'),
      opener: electronOpener(),
      run: execFileRunner(),
      eventFiles,
      logger: silentLogger(),
    });

    const result = await launch.open({ sha256: keynote.sha256 });

    expect(shell.opened).toEqual([path.join(workDir, 'from-record', keynote.sha256.slice(0, 16), 'Keynote.pptx')]);
    expect(result.copy).toBe('created');
    expect(
      createHash('sha256')
        .update(await readFile(result.path))
        .digest('hex'),
    ).toBe(keynote.sha256);
  });

  it('does not download anything before bootstrap has a device', async () => {
    const wired = await openWiredCache();
    const [first] = simulator.demo.files;
    await expect(wired.cache.fetch({ sha256: first!.sha256, size: first!.size })).rejects.toThrow();
    expect(simulator.stats.requests('/v3/files/')).toBe(0);
  });
});

describe('the cache root and the fleet summary', () => {
  it('opens under the last good record’s local_file_cache_path and downloads there once bootstrap is ready', async () => {
    const recordRoot = path.join(workDir, 'record-cache');
    const wired = await openWiredCache({ local_file_cache_path: recordRoot });
    expect(wired.root).toBe(recordRoot);
    await bootstrap.run();
    const [first] = simulator.demo.files;
    const entry = await wired.cache.fetch({ sha256: first!.sha256, size: first!.size });
    expect(entry.path.startsWith(recordRoot + path.sep)).toBe(true);
  });

  it('keeps the platform folder for a relative path, a file-system root or a non-string', async () => {
    const defaultRoot = path.join(workDir, 'cache');
    for (const local_file_cache_path of ['relative/cache', '/', '/srv/..', 42]) {
      const wired = await openDesktopCache({
        defaultRoot,
        lastDevice: { local_file_cache_path },
        bootstrap,
        logger: silentLogger(),
      });
      await wired.close();
      expect(wired.root).toBe(defaultRoot);
    }
  });

  it('says, once, that a device record naming another folder takes effect at the next start', async () => {
    const capture = captureLogger();
    const defaultRoot = path.join(workDir, 'cache');
    const wired = await openDesktopCache({ defaultRoot, lastDevice: null, bootstrap, logger: capture.logger });
    closers.push(wired.close);
    simulator.demo.device.local_file_cache_path = path.join(workDir, 'moved');
    await bootstrap.run();
    const warnings = capture.lines.filter(
      (l) => l.msg === 'the device record names another cache folder; it is used from the next start',
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ root: defaultRoot, next: path.join(workDir, 'moved') });
    expect(wired.root).toBe(defaultRoot);
  });

  it('summarises the current list for the fleet status file: files, bytes present, missing', async () => {
    const wired = await openWiredCache();
    expect(wired.summary()).toEqual({ files: 0, bytes: 0, missing: 0 });
    await bootstrap.run();
    const [first] = simulator.demo.files;
    await wired.cache.fetch({ sha256: first!.sha256, size: first!.size });
    wired.cache.ensure({
      files: [
        { sha256: first!.sha256, size: first!.size },
        { sha256: 'f'.repeat(64), size: 10 },
      ],
    });
    expect(wired.summary()).toEqual({ files: 2, bytes: first!.size, missing: 1 });
  });
});
