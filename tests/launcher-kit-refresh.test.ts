import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../apps/simulator/index';
import { launcherUrl } from '../contracts/api';
import { launchChromium } from './support/chromium';
import { startDemoBridge, type DemoBridge } from './support/demo-bridge';
import { hidePage, rowCount, showPage } from './support/launcher-page';

/**
 * The list refresh timers of each mode, with periods the simulator shortens: counted on the
 * simulator. Only lower bounds and the order of the modes are asserted: a busy machine may make a
 * timer late, never early.
 */

const PERIODS = { native: 0.3, onsite: 0.7, default: 1.5 };
const LIST = '/v3/crud/event_file';
const KIOSK = 41;

let sim: Simulator;
let demo: DemoBridge;
let browser: Browser;

beforeAll(async () => {
  sim = await startSimulator({
    refreshPeriods: PERIODS,
    checkEventLoopPeriod: 1,
    files: [{ filename: 'Agenda.txt', size: 300 }],
  });
  demo = await startDemoBridge({ simulator: sim, kioskWebContentsId: KIOSK });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  await sim?.close();
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Gaps between the list requests that arrive while `during` runs (one page open at a time). */
async function listGaps(during: () => Promise<void>): Promise<number[]> {
  const from = sim.stats.log(LIST).length;
  await during();
  const times = sim.stats
    .log(LIST)
    .slice(from)
    .map((r) => r.at);
  return times.slice(1).map((t, i) => (t - times[i]!) / 1000);
}

async function openPage(mode: 'native' | 'onsite' | 'default'): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (mode === 'native') await demo.bridge(context, page);
  await page.goto(mode === 'onsite' ? `${launcherUrl(sim.demo.device)}?mode=onsite` : launcherUrl(sim.demo.device));
  await expect.poll(() => page.getByTestId('updated').textContent(), { timeout: 15_000 }).toMatch(/Updated/);
  return { page, close: () => context.close() };
}

const measured: Record<string, number> = {};

describe('refresh timers per mode', () => {
  for (const mode of ['native', 'onsite', 'default'] as const) {
    it(`${mode}: re-fetches the list every ${PERIODS[mode]} s, as the API says`, async () => {
      const { page, close } = await openPage(mode);
      try {
        expect(await page.getByTestId('updated').textContent()).toContain(`refreshes every ${PERIODS[mode]} s`);
        const gaps = await listGaps(() => new Promise((r) => setTimeout(r, PERIODS[mode] * 1000 * 8.5)));
        expect(gaps.length).toBeGreaterThanOrEqual(2);
        measured[mode] = median(gaps);
        // On average never faster than the period: one request may be late (its bridge call was slow)
        // and the next on time, so single gaps jitter around the period.
        const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
        expect(mean).toBeGreaterThanOrEqual(PERIODS[mode] * 0.9);
        console.log(
          `[figures] ${mode} list refresh: period ${PERIODS[mode]} s, measured median ${measured[mode]!.toFixed(3)} s, mean ${mean.toFixed(3)} s over ${gaps.length} gaps`,
        );
      } finally {
        await close();
      }
    });
  }

  it('the modes keep their order: Native fastest, then Onsite, then Default', () => {
    expect(measured.native).toBeLessThan(measured.onsite!);
    expect(measured.onsite).toBeLessThan(measured.default!);
  });

  it('a file added on the server appears without a reload', async () => {
    const { page, close } = await openPage('onsite');
    try {
      const before = await rowCount(page);
      const added = await sim.addFile({ filename: 'Late change – v2.pptx', size: 2048 });
      await expect
        .poll(() => page.locator(`[data-testid=file-row][data-sha256="${added.sha256}"]`).count(), { timeout: 10_000 })
        .toBe(1);
      expect(await rowCount(page)).toBe(before + 1);
    } finally {
      await close();
    }
  });

  it('a hidden page stops polling and resumes when shown again', async () => {
    const { page, close } = await openPage('native');
    try {
      await hidePage(page);
      // A request already on its way may still land; after that, silence.
      await new Promise((r) => setTimeout(r, PERIODS.native * 1000 * 2));
      const hiddenFrom = sim.stats.requests(LIST);
      await new Promise((r) => setTimeout(r, PERIODS.native * 1000 * 6));
      expect(sim.stats.requests(LIST)).toBe(hiddenFrom);
      await showPage(page);
      await expect.poll(() => sim.stats.requests(LIST), { timeout: 10_000 }).toBeGreaterThanOrEqual(hiddenFrom + 2);
    } finally {
      await close();
    }
  });
});
