import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import Module, { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { exposeElectronTRPC } from 'electron-trpc/main';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FILES } from '../apps/simulator/demo-data';
import { normaliseHostname } from '../contracts/hostname';
import { createNativeClient } from '../router/client';
import fakeElectron, {
  app,
  BrowserWindow,
  openRenderer,
  resetFakeElectron,
  type FakeBrowserWindow,
} from './fakes/electron';

/**
 * The real bundle (dist/main.cjs, as esbuild builds it) loaded in this process with `electron`
 * resolved to the fake module: proves the composition root's wiring, not only its parts.
 */

const run = promisify(execFile);
const requireHere = createRequire(import.meta.url);
const FAKE_ELECTRON_ID = '\0aether-fake-electron';
const LAUNCHER_PATH = '/events/ev_2026_summit/launcher/loc_ballroom_a';

type Resolve = (request: string, ...rest: unknown[]) => string;
const moduleInternals = Module as unknown as { _resolveFilename: Resolve; _cache: Record<string, unknown> };

let buildRoot: string;
let bundle: string;

beforeAll(async () => {
  buildRoot = await mkdtemp(path.join(os.tmpdir(), 'aether-bundle-'));
  await run(process.execPath, ['scripts/build.mjs'], {
    env: { ...process.env, AETHER_BUILD_OUT: path.join(buildRoot, 'dist') },
  });
  bundle = path.join(buildRoot, 'dist', 'main.cjs');
}, 120_000);

afterAll(async () => {
  await rm(buildRoot, { recursive: true, force: true });
});

interface Sandbox {
  home: string;
  share: string;
  /** Quits the app as Electron would and resolves once its shutdown has quit again. */
  quit(): Promise<void>;
  restore(): Promise<void>;
}

/** HOME, XDG folders, the share and argv point at a temp folder; `electron` resolves to the fake. */
async function enterSandbox(argv: string[]): Promise<Sandbox> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'aether-bundle-home-'));
  const share = path.join(home, 'share');
  await mkdir(share, { recursive: true });
  const processWithResources = process as NodeJS.Process & { resourcesPath?: string };
  const saved = { argv: process.argv, env: { ...process.env }, resourcesPath: processWithResources.resourcesPath };
  processWithResources.resourcesPath = path.join(home, 'resources');
  Object.assign(process.env, {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
    AETHER_SHARE: share,
  });
  delete process.env.AETHER_SEED;
  process.argv = [process.execPath, 'main.cjs', ...argv];
  app.getAppPath = () => buildRoot;

  const resolve = moduleInternals._resolveFilename;
  moduleInternals._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    return request === 'electron' ? FAKE_ELECTRON_ID : resolve.call(this, request, ...rest);
  };
  moduleInternals._cache[FAKE_ELECTRON_ID] = {
    id: FAKE_ELECTRON_ID,
    filename: FAKE_ELECTRON_ID,
    loaded: true,
    exports: fakeElectron,
  };

  const quit = async () => {
    const before = app.calls.quit;
    app.quit();
    await expect.poll(() => app.calls.quit, { timeout: 10_000 }).toBeGreaterThan(before + 1);
  };
  return {
    home,
    share,
    quit,
    async restore() {
      if (app.calls.quit === 0) await quit();
      moduleInternals._resolveFilename = resolve;
      delete moduleInternals._cache[FAKE_ELECTRON_ID];
      delete requireHere.cache[bundle];
      process.argv = saved.argv;
      processWithResources.resourcesPath = saved.resourcesPath;
      for (const key of Object.keys(process.env)) if (!(key in saved.env)) delete process.env[key];
      Object.assign(process.env, saved.env);
      await rm(home, { recursive: true, force: true });
    },
  };
}

function windows(): FakeBrowserWindow[] {
  return BrowserWindow.registry.windows;
}

let sandbox: Sandbox | null = null;
afterEach(async () => {
  await sandbox?.restore();
  sandbox = null;
});

describe('the built main.cjs under the fake electron', () => {
  it('--demo: splash first, then a kiosk window on the embedded simulator’s launcher page; a clean quit', async () => {
    resetFakeElectron();
    sandbox = await enterSandbox(['--demo']);
    requireHere(bundle);
    const kioskWindow = () => windows().find((w) => w.webContents.loadedUrls.some((u) => u.includes(LAUNCHER_PATH)));
    await expect.poll(kioskWindow, { timeout: 20_000 }).toBeDefined();
    const [splash, kiosk] = windows();
    expect(splash?.webContents.loadedUrls).toEqual([
      pathToFileURL(path.join(buildRoot, 'dist', 'splash', 'index.html')).href,
    ]);
    expect(kiosk).toBe(kioskWindow());
    const launcher = new URL(kiosk!.webContents.loadedUrls[0]!);
    expect(launcher.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(launcher.pathname).toBe(LAUNCHER_PATH);
    await expect.poll(() => splash?.isDestroyed(), { timeout: 5_000 }).toBe(true);

    // The swap helper's health check: written once the kiosk page loaded.
    const marker = path.join(sandbox.home, '.local', 'state', 'aether', 'update', 'health.marker');
    await expect.poll(() => readFile(marker, 'utf8').catch(() => ''), { timeout: 5_000 }).toContain('version=0.1.0\n');
    expect((await fetch(`${launcher.origin}/v3/health`)).status).toBe(200);

    await sandbox.quit();
    await expect(fetch(`${launcher.origin}/v3/health`)).rejects.toThrow();
    const status = JSON.parse(
      await readFile(path.join(sandbox.share, 'status', `${normaliseHostname(os.hostname())}.json`), 'utf8'),
    );
    // The cache follows the event's file list as the app fetched it from the API (issue 10), not the page's.
    const demoHashes = DEMO_FILES.length;
    expect(status).toMatchObject({ state: 'ready', app_version: '0.1.0', cache: { files: demoHashes } });
    expect(status.cache.missing).toBeLessThanOrEqual(demoHashes);
  });

  it('packaged, no seed anywhere: the splash shows bootstrap waiting for this laptop’s seed in the share', async () => {
    resetFakeElectron({ packaged: true });
    sandbox = await enterSandbox([]);
    requireHere(bundle);
    await expect.poll(() => windows().length, { timeout: 20_000 }).toBe(1);
    const [splash] = windows();
    const renderer = openRenderer(splash!);
    renderer.runPreload(() => exposeElectronTRPC());
    const client = renderer.runInPage(() => createNativeClient());
    const expected = {
      folder: path.join(sandbox.share, 'seeds'),
      file: `seed_${normaliseHostname(os.hostname())}.json`,
    };
    await expect
      .poll(async () => (await client.device.status.query()).state, { timeout: 10_000 })
      .toMatchObject({ kind: 'seeking-seed', waitingFor: expected });
    expect(windows()).toHaveLength(1);
    expect(splash?.isDestroyed()).toBe(false);
  });
});
