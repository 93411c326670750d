import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../apps/simulator/index';
import { captureLogger } from './fakes/services';
import { launchChromium } from './support/chromium';
import { startDemoBridge, type DemoBridge } from './support/demo-bridge';

const KIOSK_WEB_CONTENTS_ID = 101;

let browser: Browser;
let simulator: Simulator;
let demo: DemoBridge;
let launcherUrl: string;
const capture = captureLogger();

beforeAll(async () => {
  simulator = await startSimulator();
  demo = await startDemoBridge({
    simulator,
    kioskWebContentsId: KIOSK_WEB_CONTENTS_ID,
    services: () => ({ logger: capture.logger }),
  });
  launcherUrl = demo.launcherUrl;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  await simulator?.close();
});

describe('the demo launcher page in headless Chromium', () => {
  it('shows default mode in a plain browser, and onsite mode when asked', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(launcherUrl);
    await expect.poll(() => page.getAttribute('[data-testid=mode]', 'data-mode')).toBe('default');
    await page.goto(`${launcherUrl}?mode=onsite`);
    await expect.poll(() => page.getAttribute('[data-testid=mode]', 'data-mode')).toBe('onsite');
    await context.close();
  });

  it('shows native mode and the device from the real router when the bridge is there', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await demo.bridge(context, page);
    await page.goto(launcherUrl);
    await expect.poll(() => page.getAttribute('[data-testid=mode]', 'data-mode')).toBe('native');
    await expect
      .poll(() => page.textContent('[data-testid=device-name]'), { timeout: 15_000 })
      .toBe('Ballroom A lectern');
    await expect.poll(() => page.getAttribute('[data-testid=bootstrap-state]', 'data-state')).toBe('ready');
    expect(await page.content()).not.toContain(simulator.apiKey);
    await context.close();
  });

  it('refuses the bridge to a page in a window the app does not know', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await demo.bridge(context, page, 999);
    await page.goto(launcherUrl);
    await expect.poll(() => page.getAttribute('[data-testid=mode]', 'data-mode')).toBe('native');
    await expect.poll(() => page.locator('[data-testid=bridge-error]').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(capture.lines.some((l) => l.msg === 'bridge call refused: sender not allowed')).toBe(true);
    await context.close();
  });
});
