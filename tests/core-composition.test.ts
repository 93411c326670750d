import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildAgentCore } from '../apps/cli/commands/agent';
import { main as cli } from '../apps/cli/main';
import { startSimulator, type Simulator } from '../apps/simulator/index';
import { silentLogger } from '../base/logger';
import { currentPlatform, platformPaths } from '../base/platform';
import type { CoreMode, DiagnosticCore } from '../core/create-core';
import type { IdentityView } from '../core/identity';
import { captureIo } from './cli-io-helpers';
import { BrowserWindow, resetFakeElectron } from './fakes/electron';
import { runAppCoreOnce } from './support/app-core';

/** Every core built in this file, by whom: the desktop composition root, the CLI commands and the agent all go through here. */
const built = vi.hoisted(() => ({ cores: [] as Array<{ mode: CoreMode; core: DiagnosticCore }> }));
vi.mock('../core/create-core', async (importOriginal) => {
  const real = await importOriginal<typeof import('../core/create-core')>();
  const recorded = async (deps: Parameters<typeof real.createAetherCore>[0]) => {
    const core = await real.createAetherCore(deps as never);
    built.cores.push({ mode: deps.mode, core });
    return core;
  };
  return { ...real, createAetherCore: recorded };
});

let sim: Simulator;
let home: string;
const savedEnv = { ...process.env };

const runCli = (...argv: string[]) => runCliIn(home, ...argv);

/** Resolves once `test` holds, checking after every macrotask; bounded so a broken wire fails instead of hanging. */
async function until<T>(what: string, probe: () => T | null | undefined, rounds = 2_000): Promise<T> {
  for (let i = 0; i < rounds; i += 1) {
    const value = probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Everything under a folder with its bytes, to show a run left it exactly as it was. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const out: Record<string, string> = {};
  for (const e of entries.filter((x) => x.isFile())) {
    const file = path.join(e.parentPath, e.name);
    out[path.relative(dir, file)] = await readFile(file, 'base64');
  }
  return out;
}

beforeAll(async () => {
  sim = await startSimulator();
  home = await mkdtemp(path.join(os.tmpdir(), 'aether-composition-'));
  await writeFile(path.join(home, 'seed.json'), JSON.stringify(sim.demoSeed()));
});

afterAll(async () => {
  for (const { core } of built.cores) await core.close();
  process.env = savedEnv;
  resetFakeElectron();
  await sim.close();
  await rm(home, { recursive: true, force: true });
});

describe('one core for the app, the CLI and the agent', () => {
  it('the desktop composition root, doctor, prefetch, cache status and the agent build it with createAetherCore and see the same identity', async () => {
    // The real apps/desktop/main.ts under the fake electron: a development build that finds ~/seed.json.
    for (const key of ['XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_STATE_HOME', 'AETHER_SEED', 'AETHER_SHARE'])
      delete process.env[key];
    process.env.HOME = home;
    process.env.AETHER_LOG_LEVEL = 'silent';
    await import('../apps/desktop/main');
    const app = await until('the app core', () => built.cores.find((c) => c.mode === 'run'));
    const appIdentity = await until('the app identity', () => {
      const view = app.core.identity.current();
      return view.kind === 'identified' ? view : null;
    });
    const kiosk = await until('the kiosk window', () =>
      BrowserWindow.getAllWindows().find((w) => w.webContents.getURL() === appIdentity.targetUrl),
    );
    expect(kiosk).toBeDefined();
    expect(appIdentity).toMatchObject({ online: true, device: { event_device_id: sim.demo.device.event_device_id } });

    const doctor = await runCli('doctor', '--json');
    expect(doctor.code).toBe(0);
    const prefetch = await runCli('prefetch', '--cache-dir', path.join(home, 'prefetched'));
    expect(prefetch.code).toBe(0);
    const status = await runCli('cache', 'status', '--json', '--cache-dir', path.join(home, 'prefetched'));
    expect(status.code).toBe(0);
    const agent = await buildAgentCore(
      {
        seed: path.join(home, 'seed.json'),
        cacheDir: path.join(home, 'agent-cache'),
        stateDir: path.join(home, 'agent-state'),
        share: path.join(home, 'agent-share'),
        hostname: 'agent',
      },
      captureIo({ HOME: home }),
      silentLogger(),
      [],
    );
    await agent.start();
    await agent.close();

    expect(built.cores.map((c) => c.mode)).toEqual(['run', 'diagnostic', 'diagnostic', 'diagnostic', 'run']);
    const identities: IdentityView[] = built.cores.map((c) => c.core.identity.current());
    for (const identity of identities) expect(identity).toEqual(appIdentity);
    expect(JSON.parse(doctor.stdout)).toMatchObject({
      target_url: appIdentity.targetUrl,
      allowed_origins: appIdentity.allowedOrigins,
    });
  });

  it('doctor --seed reads but never writes the app state folder (issue 10)', async () => {
    const other = await mkdtemp(path.join(os.tmpdir(), 'aether-doctor-state-'));
    try {
      const paths = platformPaths({ platform: currentPlatform(), home: other, env: { HOME: other } });
      // No record yet: doctor leaves no state folder behind.
      await writeFile(path.join(other, 'seed.json'), JSON.stringify(sim.demoSeed()));
      const first = await runCliIn(other, 'doctor', '--json', '--seed', path.join(other, 'seed.json'));
      expect(first.code).toBe(0);
      await expect(stat(paths.stateDir)).rejects.toMatchObject({ code: 'ENOENT' });

      // The app's record, then doctor with a seed for another device: the record stays byte for byte.
      await runAppCoreOnce({ home: other });
      const before = await snapshot(paths.stateDir);
      expect(Object.keys(before)).toContain('last-good.json');
      const otherDevice = { ...sim.demoSeed(), event_device_id: 'dev_another_laptop' };
      await writeFile(path.join(other, 'other-seed.json'), JSON.stringify(otherDevice));
      await runCliIn(other, 'doctor', '--json', '--seed', path.join(other, 'other-seed.json'));
      await runCliIn(other, 'doctor', '--json', '--seed', path.join(other, 'seed.json'));
      expect(await snapshot(paths.stateDir)).toEqual(before);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('prefetch --demo fills a temp cache of its own, never the laptop cache or state folder', async () => {
    const other = await mkdtemp(path.join(os.tmpdir(), 'aether-prefetch-demo-'));
    try {
      const paths = platformPaths({ platform: currentPlatform(), home: other, env: { HOME: other } });
      const run = await runCliIn(other, 'prefetch', '--demo');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/all \d+ files present and verified in .*aether-demo-seed-.*cache/);
      await expect(stat(paths.cacheRoot)).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(stat(paths.stateDir)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});

async function runCliIn(dir: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo({ HOME: dir });
  const code = await cli(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}
