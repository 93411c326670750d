import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../apps/simulator/index';
import type { EventFile } from '../contracts/api';
import { shell } from './fakes/electron';
import { launchChromium } from './support/chromium';
import { startDemoBridge, type DemoBridge, type DemoBridgeParts } from './support/demo-bridge';
import { realPageServices, type RealPageServices } from './support/page-services';

const KIOSK_WEB_CONTENTS_ID = 7;
const HOSTILE_NAME = '../../../etc/evil\u202Etxt.pptx';

let browser: Browser;
let simulator: Simulator;
let demo: DemoBridge;
let real: RealPageServices;
let workDir: string;
let launcherUrl: string;
let unservable: EventFile;
let hostile: EventFile;

/** Real page-facing cache and launch services over the demo bridge's bootstrap (its device service already uses <workDir>/cache); only the OS opener is the fake shell. */
async function cacheAndLaunch(parts: DemoBridgeParts) {
  real = await realPageServices(parts);
  return real.services;
}

function row(page: Page, file: EventFile) {
  return page.locator(`[data-testid=file-row][data-sha256="${file.sha256}"]`);
}

beforeAll(async () => {
  simulator = await startSimulator();
  hostile = await simulator.addFile({ filename: HOSTILE_NAME, size: 4096 });
  unservable = await simulator.addFile({ filename: 'Withdrawn talk.pptx', size: 2048 });
  simulator.faults.set({ status: 404, match: new RegExp(`/v3/files/${unservable.sha256}`) });
  demo = await startDemoBridge({ simulator, kioskWebContentsId: KIOSK_WEB_CONTENTS_ID, services: cacheAndLaunch });
  ({ workDir, launcherUrl } = demo);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await real?.close();
  await demo?.close();
  await simulator?.close();
});

describe('the demo page event files: cache state, live progress, Open through launch.open', () => {
  it('lists the files, caches them with progress, and opens a cached one as a temp copy', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await demo.bridge(context, page);
    await page.goto(launcherUrl);

    const expected = simulator.demo.files.length + 2;
    await expect.poll(() => page.locator('[data-testid=file-row]').count(), { timeout: 15_000 }).toBe(expected);
    for (const file of simulator.demo.files) {
      await expect.poll(() => row(page, file).getAttribute('data-phase'), { timeout: 30_000 }).toBe('ready');
      expect(await row(page, file).getByTestId('file-state').textContent()).toContain('Ready');
    }
    await expect.poll(() => row(page, unservable).getAttribute('data-phase'), { timeout: 30_000 }).toBe('failed');
    expect(await row(page, unservable).getByTestId('file-state').textContent()).toContain('Could not download');
    expect(await row(page, unservable).getByTestId('file-message').textContent()).toMatch(/404/);

    const keynote = simulator.demo.files.find((f) => f.filename === 'Keynote.pptx')!;
    await row(page, keynote).getByTestId('file-action').click();
    await expect
      .poll(() => row(page, keynote).getByTestId('file-result').textContent())
      .toContain('opened as Keynote.pptx');

    const [opened] = shell.opened;
    expect(opened).toBe(path.join(workDir, 'launch', keynote.sha256.slice(0, 16), 'Keynote.pptx'));
    expect(
      createHash('sha256')
        .update(await readFile(opened!))
        .digest('hex'),
    ).toBe(keynote.sha256);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('opens a file with a hostile name from the API only as a sanitised copy inside the launch folder', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await demo.bridge(context, page);
    await page.goto(launcherUrl);
    await expect.poll(() => row(page, hostile).getAttribute('data-phase'), { timeout: 30_000 }).toBe('ready');

    await row(page, hostile).getByTestId('file-action').click();
    await expect
      .poll(() => row(page, hostile).getByTestId('file-result').textContent())
      .toContain('opened as _.._.._etc_eviltxt.pptx');
    const last = shell.opened.at(-1)!;
    expect(path.dirname(last)).toBe(path.join(workDir, 'launch', hostile.sha256.slice(0, 16)));
    await context.close();
  });
});
