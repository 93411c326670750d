import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../apps/common/logger';
import { openDesktopCache } from '../apps/desktop/cache-wiring';
import { createDesktopLaunchService } from '../apps/desktop/launch-wiring';
import { startSimulator, type Simulator } from '../apps/simulator/index';
import { createBootstrap, type Bootstrap } from '../provisioning/bootstrap';
import { MemorySecretStore } from '../provisioning/secret-store';
import { createStateStore } from '../provisioning/state-store';
import { resetFakeElectron, shell } from './fakes/electron';

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

afterEach(async () => {
  for (const close of closers.reverse()) await close();
  await bootstrap.stop();
  await simulator.close();
  await rm(workDir, { recursive: true, force: true });
});

describe('composition-root wiring of the cache and the launch group', () => {
  it('starts syncing only once bootstrap has a device, then downloads with the JWT and launches through shell.openPath', async () => {
    const wired = await openDesktopCache({ root: path.join(workDir, 'cache'), bootstrap, logger: silentLogger() });
    closers.push(wired.close);
    expect(wired.cache.syncState.state).toBe('stopped');

    const ready = await bootstrap.run();
    expect(ready.kind).toBe('ready');
    expect(wired.cache.syncState.state).not.toBe('stopped');

    const keynote = simulator.demo.files.find((f) => f.filename === 'Keynote.pptx')!;
    await wired.cache.fetch({ sha256: keynote.sha256, size: keynote.size });
    const device = () => (bootstrap.state().kind === 'ready' ? { ...simulator.demo.device, host_file_temp_path: path.join(workDir, 'from-record') } : null);
    const launch = createDesktopLaunchService({ platform: 'linux', cache: wired.cache, device, defaultTempRoot: path.join(workDir, 'launch'), logger: silentLogger() });

    const result = await launch.open({ sha256: keynote.sha256, filename: keynote.filename });

    expect(shell.opened).toEqual([path.join(workDir, 'from-record', keynote.sha256.slice(0, 16), 'Keynote.pptx')]);
    expect(result.copy).toBe('created');
    expect(createHash('sha256').update(await readFile(result.path)).digest('hex')).toBe(keynote.sha256);
  });

  it('does not download anything before bootstrap has a device', async () => {
    const wired = await openDesktopCache({ root: path.join(workDir, 'cache'), bootstrap, logger: silentLogger() });
    closers.push(wired.close);
    const [first] = simulator.demo.files;
    await expect(wired.cache.fetch({ sha256: first!.sha256, size: first!.size })).rejects.toThrow();
    expect(simulator.stats.requests('/v3/files/')).toBe(0);
  });
});
