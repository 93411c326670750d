import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launcherUrl } from '../contracts/api';
import { lazyLauncherBundle } from '../apps/simulator/demo-page/bundle';
import { startSimulator, type Simulator } from '../apps/simulator/index';
import { fakeDeviceService } from './fakes/services';
import { launchChromium } from './support/chromium';
import { startDemoBridge, type DemoBridge } from './support/demo-bridge';

const KIOSK_WEB_CONTENTS_ID = 1;

let sim: Simulator;
let browser: Browser;
let demo: DemoBridge;
// The page must see states the real bootstrap (already ready) would never show it, so the test drives them.
let device: ReturnType<typeof fakeDeviceService>;

beforeAll(async () => {
  sim = await startSimulator({ files: [] });
  device = fakeDeviceService({
    info: {
      device: sim.demo.device,
      paths: { cache: '/tmp/cache', temp: '/tmp/launch', logs: '/tmp/logs' },
      mode: 'native',
      appVersion: '0.1.0-test',
    },
  });
  demo = await startDemoBridge({
    simulator: sim,
    kioskWebContentsId: KIOSK_WEB_CONTENTS_ID,
    services: () => ({ device: device.service }),
  });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await demo?.close();
  await sim?.close();
});

describe('simulator: demo launcher page over HTTP', () => {
  it('serves the launcher HTML at the device launcher URL, with a strict CSP and escaped names', async () => {
    const res = await fetch(launcherUrl(sim.demo.device));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await res.text();
    expect(html).toContain('<script src="/demo/launcher.js"');
    expect(html).toContain('ev_2026_summit');
    const hostile = await (
      await fetch(`${sim.url}/events/${encodeURIComponent('<script>x</script>')}/launcher/loc`)
    ).text();
    expect(hostile).not.toContain('<script>x</script>');
  });

  it('serves a small compiled bundle with no main-process code in it', async () => {
    const res = await fetch(`${sim.url}/demo/launcher.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    const js = await res.text();
    expect(js.length).toBeGreaterThan(10_000);
    // Svelte's runtime, the kit and Dexie (the offline mirror, ~95 KB of it).
    expect(js.length).toBeLessThan(300_000);
    for (const forbidden of ['ipcMain', 'createIPCHandler', 'node:fs', 'node:child_process', 'aether_api_key'])
      expect(js, forbidden).not.toContain(forbidden);
    expect((await fetch(`${sim.url}/demo/launcher.js`)).status).toBe(200);
    expect((await fetch(`${sim.url}/demo/launcher.js`, { method: 'POST' })).status).toBe(405);
  });

  it('compiles once however many requests race for it, and retries after a failed build', async () => {
    let calls = 0;
    const flaky = lazyLauncherBundle(async () => {
      calls += 1;
      if (calls === 1) throw new Error('broken');
      return 'ok';
    });
    await expect(flaky()).rejects.toThrow('broken');
    expect(await Promise.all([flaky(), flaky(), flaky()])).toEqual(['ok', 'ok', 'ok']);
    expect(calls).toBe(2);
  });
});

describe('simulator: demo launcher page in headless Chromium', () => {
  it('says it runs in a plain browser in Default mode, and in Onsite mode when asked', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    try {
      await page.goto(launcherUrl(sim.demo.device));
      expect(await page.getByTestId('mode').getAttribute('data-mode')).toBe('default');
      expect(await page.getByTestId('mode').textContent()).toBe('Browser');
      await page.getByTestId('no-files').waitFor();
      expect(await page.getByTestId('device-name').count()).toBe(0);
      await page.goto(`${launcherUrl(sim.demo.device)}?mode=onsite`);
      expect(await page.getByTestId('mode').getAttribute('data-mode')).toBe('onsite');
      expect(await page.getByTestId('mode').textContent()).toBe('Onsite laptop');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('inside the app shows the device from device.get and follows the bootstrap state live', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await demo.bridge(context, page);
    try {
      await page.goto(launcherUrl(sim.demo.device));
      expect(await page.getByTestId('mode').getAttribute('data-mode')).toBe('native');
      await page.getByTestId('device-name').filter({ hasText: 'Ballroom A lectern' }).waitFor();
      await page.locator('[data-testid=bootstrap-state][data-state=authenticating]').waitFor();
      device.publish({
        ...device.service.status(),
        state: {
          kind: 'failed',
          failure: { code: 'api-unreachable', api: null, detail: 'no network' },
          reason: 'no network',
          retryAt: null,
        },
      });
      await page.locator('[data-testid=bootstrap-state][data-state=failed]').waitFor();
      expect(await page.getByTestId('bootstrap-state').textContent()).toBe('failed');
      // A product page, not a debug panel: no raw JSON of the device record.
      expect(await page.locator('pre').count()).toBe(0);
      expect(await page.content()).not.toContain('"event_device_id"');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
