import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { electronOpener } from '../apps/desktop/opener.electron';
import { execFileRunner } from '../base/command-runner';
import { launchTempRoot } from '../kiosk/launch-handover';
import { createLaunchService } from '../kiosk/launch-service';
import { startSimulator, type Simulator } from '../apps/simulator/index';
import { openCache, type Cache } from '../cache/service';
import type { EventFile } from '../contracts/api';
import type { EnsureInput } from '../contracts/cache';
import type { LaunchService } from '../router/launch';
import { shell } from './fakes/electron';
import { launchChromium } from './support/chromium';
import { bridgeCache } from './support/bridge-cache';
import { startDemoBridge, type DemoBridge, type DemoBridgeParts } from './support/demo-bridge';
import { fileRow, phaseOf, rowCount, sha256OfFile } from './support/launcher-page';

/**
 * Native mode: the reference launcher over the real router (bridge carried by page bindings), a
 * real cache downloading from the simulator one file at a time (so the order of the downloads is
 * the order of the simulator's requests), and the real launch handover with the fake shell opener.
 */

const KIOSK = 31;
const SCREENSHOTS = fileURLToPath(new URL('../launcher-kit/screenshots/', import.meta.url));
const HOUR = 3600_000;
const KIB = 1024;

let sim: Simulator;
let demo: DemoBridge;
let cache: Cache;
let browser: Browser;
const ensured: EnsureInput[] = [];
const openedAt: number[] = [];
/** Every launch.open the page made, and whether the cache had the file when it was called. */
const openCalls: { sha256: string | null; cachedAtCall: boolean | null }[] = [];

const now = Date.now();
const iso = (offset: number) => new Date(now + offset).toISOString();
const session = (id: string, title: string, from: number, to: number) => ({
  id,
  title,
  starts_at: iso(from),
  ends_at: iso(to),
});
const running = session('ses_running', 'Morning plenary', -HOUR / 2, HOUR / 2);
const next = session('ses_next', 'Product & roadmap', HOUR, 2 * HOUR);
const later = session('ses_later', 'Closing Q&A', 3 * HOUR, 4 * HOUR);
// Listed out of session order on purpose: the page must hand the app the running session first.
const SPECS = [
  { filename: 'Roadmap.pptx', size: 512 * KIB, session: next },
  { filename: 'Venue map.pdf', size: 40 * KIB },
  { filename: 'Closing video.mp4', size: 3 * 1024 * KIB, session: later },
  { filename: 'Plenary – Überblick.key', size: 256 * KIB, session: running },
  { filename: 'Q&A slides.pptx', size: 128 * KIB, session: later },
];
let files: EventFile[] = [];
const byName = (name: string) => files.find((f) => f.filename === name)!;

async function services({ bootstrap, identity, workDir, logger }: DemoBridgeParts) {
  cache = await openCache({
    root: path.join(workDir, 'cache'),
    source: {
      baseUrls: () => bootstrap.api().baseUrls(),
      headers: async () => ({ authorization: `Bearer ${(await bootstrap.session()).token}` }),
    },
    logger,
    concurrency: 1,
    download: { maxAttempts: 2 },
  });
  cache.start();
  const launch = createLaunchService({
    platform: 'linux',
    cache,
    tempRoot: () => launchTempRoot(identity.device, path.join(workDir, 'launch')),
    eventFiles: () => files,
    opener: electronOpener(),
    run: execFileRunner(),
    logger,
  });
  const recordedLaunch: LaunchService = {
    ...launch,
    open: async (request, options) => {
      openCalls.push({
        sha256: request.sha256 ?? null,
        cachedAtCall: request.sha256 ? cache.store.has(request.sha256) : null,
      });
      const result = await launch.open(request, options);
      openedAt.push(Date.now());
      return result;
    },
  };
  return { cache: bridgeCache(cache, { onEnsure: (input) => ensured.push(input) }), launch: recordedLaunch };
}

beforeAll(async () => {
  sim = await startSimulator({ files: [] });
  // The last file of the list answers slowly, so a click finds it still downloading.
  for (const spec of SPECS) files.push(await sim.addFile(spec));
  sim.faults.set({ delayMs: 2500, match: new RegExp(`/v3/files/${byName('Closing video.mp4').sha256}`) });
  demo = await startDemoBridge({ simulator: sim, kioskWebContentsId: KIOSK, services });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await cache?.close();
  await demo?.close();
  await sim?.close();
});

describe('Native mode (inside Aether Native)', () => {
  it('hands the list to the app in session order, downloads in that order, and opens through launch.open', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await demo.bridge(context, page);
      await page.goto(demo.launcherUrl);
      expect(await page.getByTestId('mode').getAttribute('data-mode')).toBe('native');
      await expect.poll(() => rowCount(page), { timeout: 15_000 }).toBe(files.length);

      const expectedOrder = [
        'Plenary – Überblick.key',
        'Roadmap.pptx',
        'Closing video.mp4',
        'Q&A slides.pptx',
        'Venue map.pdf',
      ].map((n) => byName(n).sha256);
      await expect.poll(() => ensured.length).toBeGreaterThan(0);
      expect(ensured[0]!.files.map((f) => f.sha256)).toEqual(expectedOrder);
      expect(ensured[0]!.files.find((f) => f.sha256 === byName('Plenary – Überblick.key').sha256)?.filename).toBe(
        'Plenary – Überblick.key',
      );

      // A click on the slow file while it is still on its way: it opens once verified.
      const slow = byName('Closing video.mp4');
      await expect.poll(() => phaseOf(page, slow.sha256), { timeout: 15_000 }).toMatch(/queued|downloading/);
      const openedBefore = shell.opened.length;
      await fileRow(page, slow.sha256).getByTestId('file-action').click();
      await expect
        .poll(() => fileRow(page, slow.sha256).getByTestId('file-state').textContent())
        .toContain('opens when ready');
      expect(shell.opened.length).toBe(openedBefore);
      await expect.poll(() => shell.opened.length, { timeout: 30_000 }).toBe(openedBefore + 1);
      expect(path.basename(shell.opened.at(-1)!)).toBe('Closing video.mp4');
      expect(await sha256OfFile(shell.opened.at(-1)!)).toBe(slow.sha256);
      await expect
        .poll(() => fileRow(page, slow.sha256).getByTestId('file-result').textContent())
        .toContain('opened as Closing video.mp4');

      for (const f of files) await expect.poll(() => phaseOf(page, f.sha256), { timeout: 30_000 }).toBe('ready');
      // Session order for every file but the clicked one: the click may move it ahead of the queue
      // (launch.open boosts it; the next test pins that down), so where it lands depends on when it came.
      const downloads = sim.stats.log('/v3/files/').map((r) => r.path.slice('/v3/files/'.length));
      const firstRequests = downloads.filter((sha, i) => downloads.indexOf(sha) === i);
      expect(firstRequests.filter((sha) => sha !== slow.sha256)).toEqual(
        expectedOrder.filter((sha) => sha !== slow.sha256),
      );
      expect(firstRequests).toContain(slow.sha256);

      // A cached file: from the click event in the page to the launch service having called the opener.
      const cached = byName('Roadmap.pptx');
      const times: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const before = openedAt.length;
        await page.evaluate(() =>
          document.addEventListener('click', () => ((window as unknown as { clickAt: number }).clickAt = Date.now()), {
            capture: true,
            once: true,
          }),
        );
        await fileRow(page, cached.sha256).getByTestId('file-action').click();
        await expect.poll(() => openedAt.length).toBe(before + 1);
        times.push(openedAt.at(-1)! - (await page.evaluate(() => (window as unknown as { clickAt: number }).clickAt)));
        await expect.poll(() => phaseOf(page, cached.sha256)).toBe('ready');
      }
      expect(shell.opened.at(-1)).toMatch(/Roadmap\.pptx$/);
      console.log(
        `[figures] native click-to-open for a cached file: first ${times[0]} ms (copy created), then ${times.slice(1).join(', ')} ms (copy reused)`,
      );
      await expect.poll(() => page.getByTestId('total-ready').textContent()).toBe(`${files.length} of ${files.length}`);
      expect(errors).toEqual([]);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'native.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('offline: a reload lists the files from the Dexie mirror and still opens cached ones', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await demo.bridge(context, page);
      await page.goto(demo.launcherUrl);
      await expect.poll(() => rowCount(page), { timeout: 15_000 }).toBe(files.length);
      await expect.poll(() => page.getByTestId('updated').textContent()).toMatch(/Updated/);
      sim.faults.set({ status: 503, match: /^\/v3\// });
      try {
        await page.reload();
        await expect.poll(() => page.getByTestId('offline').count(), { timeout: 15_000 }).toBe(1);
        expect(await rowCount(page)).toBe(files.length);
        const venue = byName('Venue map.pdf');
        await expect.poll(() => phaseOf(page, venue.sha256)).toBe('ready');
        const before = shell.opened.length;
        await fileRow(page, venue.sha256).getByTestId('file-action').click();
        await expect.poll(() => shell.opened.length).toBe(before + 1);
        expect(path.basename(shell.opened.at(-1)!)).toBe('Venue map.pdf');
      } finally {
        sim.faults.clear();
      }
    } finally {
      await context.close();
    }
  });

  it('a click on a file queued behind others calls launch.open at once: the app fetches it before them, and opens it once verified', async () => {
    // A session starting soon: a slow file holds the only download slot, three more wait behind it, then the one clicked.
    const soon = session('ses_soon', 'Lightning talks', 10 * 60_000, HOUR / 2);
    const names = ['Blocker.mp4', 'Talk 1.pdf', 'Talk 2.pdf', 'Talk 3.pdf', 'Clicked talk.pdf'];
    const added: EventFile[] = [];
    for (const filename of names) added.push(await sim.addFile({ filename, size: 64 * KIB, session: soon }));
    files.push(...added);
    const [blocker, t1, t2, t3, clicked] = added as [EventFile, EventFile, EventFile, EventFile, EventFile];
    const queued = [t1, t2, t3];
    sim.faults.set({ delayMs: 10_000, match: new RegExp(`/v3/files/${blocker.sha256}`) });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await demo.bridge(context, page);
      await page.goto(demo.launcherUrl);
      await expect.poll(() => rowCount(page), { timeout: 15_000 }).toBe(files.length);
      await expect.poll(() => phaseOf(page, blocker.sha256), { timeout: 15_000 }).toBe('downloading');
      for (const f of [...queued, clicked]) await expect.poll(() => phaseOf(page, f.sha256)).toBe('queued');

      const openedBefore = shell.opened.length;
      const callsBefore = openCalls.length;
      await fileRow(page, clicked.sha256).getByTestId('file-action').click();
      await expect.poll(() => shell.opened.length, { timeout: 30_000 }).toBe(openedBefore + 1);
      // The click went to launch.open while the file was still queued: the app, not the page, waited for it.
      expect(openCalls.slice(callsBefore)).toEqual([{ sha256: clicked.sha256, cachedAtCall: false }]);
      expect(path.basename(shell.opened.at(-1)!)).toBe('Clicked talk.pdf');
      expect(await sha256OfFile(shell.opened.at(-1)!)).toBe(clicked.sha256);
      await expect
        .poll(() => fileRow(page, clicked.sha256).getByTestId('file-result').textContent())
        .toContain('opened as Clicked talk.pdf');

      // Counted at the file server: the clicked file was asked for before any file queued ahead of it.
      for (const f of [blocker, ...queued])
        await expect.poll(() => phaseOf(page, f.sha256), { timeout: 30_000 }).toBe('ready');
      const requested = sim.stats.log('/v3/files/').map((r) => r.path.slice('/v3/files/'.length));
      const first = (f: EventFile) => requested.indexOf(f.sha256);
      expect(first(blocker)).toBeLessThan(first(clicked));
      for (const f of queued) expect(first(clicked)).toBeLessThan(first(f));
    } finally {
      sim.faults.clear();
      await context.close();
    }
  });
});
