import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../apps/common/logger';
import { createBridgeHandler } from '../apps/desktop/bridge-handler';
import { createDeviceService } from '../apps/desktop/device-service';
import { createDesktopLaunchService } from '../apps/desktop/launch-wiring';
import { startSimulator, type Simulator } from '../apps/simulator/index';
import { type Cache, openCache } from '../cache/service';
import type { EventFile } from '../provisioning/api-schemas';
import { createBootstrap, type Bootstrap } from '../provisioning/bootstrap';
import { MemorySecretStore } from '../provisioning/secret-store';
import { createStateStore } from '../provisioning/state-store';
import { createContextFactory } from '../router/context';
import { appRouter } from '../router/index';
import { createSenderPolicy } from '../router/sender-policy';
import { ipcMain, resetFakeElectron, shell } from './fakes/electron';
import { bridgePage } from './fakes/page-bridge';
import { fakeServices } from './fakes/services';

const KIOSK_WEB_CONTENTS_ID = 7;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const HOSTILE_NAME = '../../../etc/evil\u202Etxt.pptx';

let browser: Browser;
let simulator: Simulator;
let bootstrap: Bootstrap;
let cache: Cache;
let workDir: string;
let launcherUrl: string;
let unservable: EventFile;
let hostile: EventFile;

/** The real router over real services, as the composition root wires them; only the OS opener is the fake shell. */
async function startRealBridge(): Promise<void> {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'aether-launch-page-'));
  const seedPath = path.join(workDir, 'seed.json');
  await writeFile(seedPath, JSON.stringify(simulator.demoSeed()));
  const logger = silentLogger();
  bootstrap = createBootstrap({
    discovery: { seedArg: seedPath, env: {}, packaged: true, paths: { devSeedPath: path.join(workDir, 'none.json'), seedConfigPath: path.join(workDir, 'none.json') } },
    defaultApiUrl: simulator.url,
    stateStore: createStateStore({ stateDir: path.join(workDir, 'state'), logger }),
    secretStore: new MemorySecretStore(),
    logger,
  });
  const ready = await bootstrap.run();
  if (ready.kind !== 'ready') throw new Error(`bootstrap did not reach ready: ${JSON.stringify(ready)}`);
  launcherUrl = ready.identity.targetUrl;
  cache = await openCache({
    root: path.join(workDir, 'cache'),
    source: { baseUrls: () => bootstrap.api().baseUrls(), headers: async () => ({ authorization: `Bearer ${(await bootstrap.session()).token}` }) },
    logger,
    download: { maxAttempts: 1 },
  });
  cache.start();
  const device = createDeviceService({
    bootstrap,
    paths: { cache: cache.store.root, temp: path.join(workDir, 'launch'), logs: path.join(workDir, 'logs') },
    appVersion: '0.1.0',
    secretStorage: { encrypted: true, backend: 'gnome_libsecret', note: 'test' },
  });
  const launch = createDesktopLaunchService({ platform: 'linux', cache, device: () => ready.identity.device, defaultTempRoot: path.join(workDir, 'launch'), logger });
  const senderPolicy = createSenderPolicy({ kioskOrigins: () => ready.identity.allowedOrigins, splashUrl: 'file:///app/dist/splash/index.html' });
  const services = fakeServices({ logger, senderPolicy, device, cache, launch });
  const createContext = createContextFactory({ services, roleOf: (id) => (id === KIOSK_WEB_CONTENTS_ID ? 'kiosk' : 'unknown'), development: false });
  createBridgeHandler({ ipcMain: ipcMain as never, router: appRouter, createContext });
}

function row(page: Page, file: EventFile) {
  return page.locator(`[data-testid=file-row][data-sha256="${file.sha256}"]`);
}

beforeAll(async () => {
  resetFakeElectron();
  simulator = await startSimulator();
  hostile = await simulator.addFile({ filename: HOSTILE_NAME, size: 4096 });
  unservable = await simulator.addFile({ filename: 'Withdrawn talk.pptx', size: 2048 });
  simulator.faults.set({ status: 404, match: new RegExp(`/v3/files/${unservable.sha256}`) });
  await startRealBridge();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await cache?.close();
  await bootstrap?.stop();
  await simulator?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('the demo page event files: cache state, live progress, Open through launch.open', () => {
  it('lists the files, caches them with progress, and opens a cached one as a temp copy', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await bridgePage(context, page, ipcMain, KIOSK_WEB_CONTENTS_ID);
    await page.goto(launcherUrl);

    const expected = simulator.demo.files.length + 2;
    await expect.poll(() => page.locator('[data-testid=file-row]').count(), { timeout: 15_000 }).toBe(expected);
    for (const file of simulator.demo.files) {
      await expect.poll(() => row(page, file).getByTestId('file-state').textContent(), { timeout: 30_000 }).toBe('cached');
      expect(await row(page, file).getByTestId('file-progress').getAttribute('value')).toBe('100');
    }
    await expect.poll(() => row(page, unservable).getByTestId('file-state').textContent(), { timeout: 30_000 }).toBe('failed');
    expect(await row(page, unservable).getByTestId('open-button').isDisabled()).toBe(true);

    const keynote = simulator.demo.files.find((f) => f.filename === 'Keynote.pptx')!;
    await row(page, keynote).getByTestId('open-button').click();
    await expect.poll(() => row(page, keynote).getByTestId('launch-result').textContent()).toBe('opened Keynote.pptx');

    const [opened] = shell.opened;
    expect(opened).toBe(path.join(workDir, 'launch', keynote.sha256.slice(0, 16), 'Keynote.pptx'));
    expect(createHash('sha256').update(await readFile(opened!)).digest('hex')).toBe(keynote.sha256);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('opens a file with a hostile name from the API only as a sanitised copy inside the launch folder', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await bridgePage(context, page, ipcMain, KIOSK_WEB_CONTENTS_ID);
    await page.goto(launcherUrl);
    await expect.poll(() => row(page, hostile).getByTestId('file-state').textContent(), { timeout: 30_000 }).toBe('cached');

    await row(page, hostile).getByTestId('open-button').click();
    await expect.poll(() => row(page, hostile).getByTestId('launch-result').textContent()).toBe('opened _.._.._etc_eviltxt.pptx');
    const last = shell.opened.at(-1)!;
    expect(path.dirname(last)).toBe(path.join(workDir, 'launch', hostile.sha256.slice(0, 16)));
    await context.close();
  });
});
