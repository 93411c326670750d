import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
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
import { launcherUrl } from '../contracts/api';
import { shell } from './fakes/electron';
import { launchChromium } from './support/chromium';
import { bridgeCache } from './support/bridge-cache';
import { startDemoBridge, type DemoBridge, type DemoBridgeParts } from './support/demo-bridge';
import { sha256OfFile } from './support/launcher-page';

/**
 * The proof that a SvelteKit team can adopt the kit: examples/sveltekit installs the packed kit,
 * passes svelte-check and builds (.ci/run does those steps: they need the npm registry and take
 * minutes here); this drives its built pages, served by the simulator, in Chromium in Default mode
 * and in Native mode over the real router.
 */

const EXAMPLE = fileURLToPath(new URL('../examples/sveltekit/', import.meta.url));
const BUILD = path.join(EXAMPLE, 'build');
const built = existsSync(path.join(BUILD, 'index.html'));
const KIOSK = 51;

// Outside CI a developer may not have installed the example; in CI a missing build is a failure.
if (!built && process.env.CI)
  throw new Error(
    `examples/sveltekit is not built: run the example steps of .ci/run (npm pack the kit, npm ci, npm run check, npm run build in ${EXAMPLE})`,
  );

describe.skipIf(!built)('the SvelteKit example launcher (examples/sveltekit, built)', () => {
  let sim: Simulator;
  let demo: DemoBridge;
  let cache: Cache;
  let browser: Browser;

  async function services({ bootstrap, identity, workDir, logger }: DemoBridgeParts) {
    cache = await openCache({
      root: path.join(workDir, 'cache'),
      source: {
        baseUrls: () => bootstrap.api().baseUrls(),
        headers: async () => ({ authorization: `Bearer ${(await bootstrap.session()).token}` }),
      },
      logger,
    });
    cache.start();
    return {
      cache: bridgeCache(cache),
      launch: createLaunchService({
        platform: 'linux',
        cache,
        tempRoot: () => launchTempRoot(identity.device, path.join(workDir, 'launch')),
        eventFiles: () => sim.demo.files,
        opener: electronOpener(),
        run: execFileRunner(),
        logger,
      }),
    };
  }

  beforeAll(async () => {
    sim = await startSimulator({ launcherDir: BUILD });
    demo = await startDemoBridge({ simulator: sim, kioskWebContentsId: KIOSK, services });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await cache?.close();
    await demo?.close();
    await sim?.close();
  });

  it('is the packed kit, installed from its tarball', async () => {
    const installed = path.join(EXAMPLE, 'node_modules', '@aether', 'launcher-kit');
    expect((await stat(path.join(installed, 'dist', 'index.js'))).isFile()).toBe(true);
    expect(existsSync(path.join(installed, 'src'))).toBe(false);
  });

  it('Default mode: lists the event’s files and downloads one under its original name', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(launcherUrl(sim.demo.device));
      expect(await page.getByTestId('kit-mode').textContent()).toBe('default');
      await expect.poll(() => page.getByTestId('kit-file').count(), { timeout: 15_000 }).toBe(sim.demo.files.length);
      await expect.poll(() => page.getByTestId('kit-updated').textContent()).toMatch(/updated \d+ s ago/);
      const tricky = sim.demo.files.find((f) => f.filename.includes('&') && /[À-ÿ]/.test(f.filename))!;
      const row = page.locator(`[data-testid=kit-file][data-sha256="${tricky.sha256}"]`);
      const [download] = await Promise.all([page.waitForEvent('download'), row.getByTestId('kit-action').click()]);
      expect(download.suggestedFilename()).toBe(tricky.filename);
      expect(await sha256OfFile((await download.path())!)).toBe(tricky.sha256);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('Native mode: the files are cached through the bridge and Open launches a local copy', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await demo.bridge(context, page);
      await page.goto(demo.launcherUrl);
      expect(await page.getByTestId('kit-mode').textContent()).toBe('native');
      await expect.poll(() => page.getByTestId('kit-file').count(), { timeout: 15_000 }).toBe(sim.demo.files.length);
      await expect
        .poll(() => page.getByTestId('kit-total').textContent(), { timeout: 60_000 })
        .toMatch(new RegExp(`^${sim.demo.files.length} of ${sim.demo.files.length} ready`));
      const agenda = sim.demo.files.find((f) => f.filename === 'Agenda.txt')!;
      const before = shell.opened.length;
      await page.locator(`[data-testid=kit-file][data-sha256="${agenda.sha256}"]`).getByTestId('kit-action').click();
      await expect.poll(() => shell.opened.length).toBe(before + 1);
      expect(path.basename(shell.opened.at(-1)!)).toBe('Agenda.txt');
    } finally {
      await context.close();
    }
  });
});
