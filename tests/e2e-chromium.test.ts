import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../apps/common/logger';
import { createBridgeHandler } from '../apps/desktop/bridge-handler';
import { createDeviceService } from '../apps/desktop/device-service';
import { startSimulator, type Simulator } from '../apps/simulator/index';
import { createBootstrap, type Bootstrap } from '../provisioning/bootstrap';
import { MemorySecretStore } from '../provisioning/secret-store';
import { createStateStore } from '../provisioning/state-store';
import { createContextFactory } from '../router/context';
import { appRouter } from '../router/index';
import { createSenderPolicy } from '../router/sender-policy';
import { ipcMain, resetFakeElectron } from './fakes/electron';
import { bridgePage } from './fakes/page-bridge';
import { captureLogger, fakeServices } from './fakes/services';

const KIOSK_WEB_CONTENTS_ID = 101;
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

let browser: Browser;
let simulator: Simulator;
let bootstrap: Bootstrap;
let workDir: string;
let launcherUrl: string;
const capture = captureLogger();

/** The real router with real services: a real bootstrap against the simulator, as main.ts wires it. */
async function startRealBridge() {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'aether-e2e-'));
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
  const device = createDeviceService({
    bootstrap,
    paths: { cache: path.join(workDir, 'cache'), temp: path.join(workDir, 'launch'), logs: path.join(workDir, 'logs') },
    appVersion: '0.1.0',
    secretStorage: { encrypted: true, backend: 'gnome_libsecret', note: 'test' },
  });
  const senderPolicy = createSenderPolicy({ kioskOrigins: () => ready.identity.allowedOrigins, splashUrl: 'file:///app/dist/splash/index.html' });
  const services = fakeServices({ logger: capture.logger, senderPolicy, device });
  const createContext = createContextFactory({ services, roleOf: (id) => (id === KIOSK_WEB_CONTENTS_ID ? 'kiosk' : 'unknown'), development: false });
  createBridgeHandler({ ipcMain: ipcMain as never, router: appRouter, createContext });
}

beforeAll(async () => {
  resetFakeElectron();
  simulator = await startSimulator();
  await startRealBridge();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await bootstrap?.stop();
  await simulator?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('the demo launcher page in headless Chromium', () => {
  it('shows default mode in a plain browser, and onsite mode when asked', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(launcherUrl);
    await expect.poll(() => page.textContent('[data-testid=mode]')).toBe('default');
    await page.goto(`${launcherUrl}?mode=onsite`);
    await expect.poll(() => page.textContent('[data-testid=mode]')).toBe('onsite');
    await context.close();
  });

  it('shows native mode and the device from the real router when the bridge is there', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await bridgePage(context, page, ipcMain, KIOSK_WEB_CONTENTS_ID);
    await page.goto(launcherUrl);
    await expect.poll(() => page.textContent('[data-testid=mode]')).toBe('native');
    await expect.poll(() => page.textContent('[data-testid=device-name]'), { timeout: 15_000 }).toBe('Ballroom A lectern');
    await expect.poll(() => page.textContent('[data-testid=bootstrap-state]')).toBe('ready');
    const json = JSON.parse((await page.textContent('[data-testid=device-json]')) ?? 'null') as Record<string, unknown>;
    expect(json).toMatchObject({ event_device_id: simulator.demo.device.event_device_id });
    expect(JSON.stringify(json)).not.toContain(simulator.apiKey);
    await context.close();
  });

  it('refuses the bridge to a page in a window the app does not know', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await bridgePage(context, page, ipcMain, 999);
    await page.goto(launcherUrl);
    await expect.poll(() => page.textContent('[data-testid=mode]')).toBe('native');
    await expect.poll(() => page.locator('[data-testid=bridge-error]').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(capture.lines.some((l) => l.msg === 'bridge call refused: sender not allowed')).toBe(true);
    await context.close();
  });
});
