import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../apps/simulator/index';
import { launcherUrl, type EventFile } from '../contracts/api';
import { launchChromium } from './support/chromium';
import { fileRow, phaseOf, rowCount, sha256OfFile } from './support/launcher-page';

/** Default and Onsite mode: the reference launcher in a plain headless Chromium, no bridge. */

const SCREENSHOTS = fileURLToPath(new URL('../launcher-kit/screenshots/', import.meta.url));
const TRICKY_NAME = 'Café & Crème – Partner intro.pptx';

let sim: Simulator;
let browser: Browser;
let url: string;

beforeAll(async () => {
  sim = await startSimulator();
  url = launcherUrl(sim.demo.device);
  browser = await launchChromium();
  await mkdir(SCREENSHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await sim?.close();
});

function file(name: string): EventFile {
  const found = sim.demo.files.find((f) => f.filename === name);
  if (!found) throw new Error(`demo file ${name} is missing`);
  return found;
}

async function plainContext(): Promise<BrowserContext> {
  return browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 } });
}

describe('Default mode (any browser)', () => {
  it('lists every file of the event grouped by session, each with a download control', async () => {
    const context = await plainContext();
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(url);
      expect(await page.getByTestId('mode').getAttribute('data-mode')).toBe('default');
      await expect.poll(() => rowCount(page), { timeout: 15_000 }).toBe(sim.demo.files.length);
      for (const f of sim.demo.files) {
        await expect(fileRow(page, f.sha256).getByTestId('file-action').textContent()).resolves.toContain('Download');
        expect(await fileRow(page, f.sha256).getByTestId('file-name').textContent()).toBe(f.filename);
      }
      const titles = await page.getByTestId('session-title').allTextContents();
      expect(titles).toEqual(['Opening keynote', 'Partner showcase', 'Closing Q&A', 'Event files']);
      await expect.poll(() => page.getByTestId('updated').textContent()).toMatch(/Updated \d+ s ago/);
      expect(await fileRow(page, file('Agenda.txt').sha256).getByTestId('file-size').textContent()).toBe('300 B');
      expect(await page.locator('pre').count()).toBe(0);
      expect(errors).toEqual([]);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'default.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('saves a click under the original name, spaces, accents and & included, with the exact bytes', async () => {
    const context = await plainContext();
    try {
      const page = await context.newPage();
      await page.goto(url);
      for (const name of [TRICKY_NAME, 'Résumé des échanges & actions.docx', 'Agenda.txt']) {
        const f = file(name);
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          fileRow(page, f.sha256).getByTestId('file-action').click(),
        ]);
        expect(download.suggestedFilename()).toBe(name);
        expect(await sha256OfFile((await download.path())!)).toBe(f.sha256);
        await expect.poll(() => phaseOf(page, f.sha256)).toBe('saved');
      }
    } finally {
      await context.close();
    }
  });

  it('a page without the launcher’s session cookie gets no file list and no bytes', async () => {
    const list = await fetch(`${sim.url}/v3/crud/event_file?event_id=${sim.demo.device.event_id}`);
    expect(list.status).toBe(401);
    expect((await fetch(`${sim.url}/v3/files/${sim.demo.files[0]!.sha256}`)).status).toBe(401);
  });
});

describe('Onsite mode (?mode=onsite)', () => {
  it('saves the same file as <name>.<ext>win with identical bytes', async () => {
    const context = await plainContext();
    try {
      const page = await context.newPage();
      await page.goto(`${url}?mode=onsite`);
      expect(await page.getByTestId('mode').getAttribute('data-mode')).toBe('onsite');
      await expect.poll(() => rowCount(page), { timeout: 15_000 }).toBe(sim.demo.files.length);
      for (const name of [TRICKY_NAME, 'Keynote.pptx']) {
        const f = file(name);
        const [download] = await Promise.all([
          page.waitForEvent('download', { timeout: 30_000 }),
          fileRow(page, f.sha256).getByTestId('file-action').click(),
        ]);
        expect(download.suggestedFilename()).toBe(`${name}win`);
        expect(await sha256OfFile((await download.path())!)).toBe(f.sha256);
        await expect
          .poll(() => fileRow(page, f.sha256).getByTestId('file-result').textContent())
          .toContain(`saved as ${name}win`);
      }
      await page.screenshot({ path: path.join(SCREENSHOTS, 'onsite.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});

describe('Offline (plain browser)', () => {
  it('after a first load, lists the event’s files from the Dexie mirror with the API down', async () => {
    const context = await plainContext();
    try {
      const page = await context.newPage();
      await page.goto(url);
      await expect.poll(() => rowCount(page), { timeout: 15_000 }).toBe(sim.demo.files.length);
      sim.faults.set({ status: 503, match: /^\/v3\// });
      try {
        await page.reload();
        await expect.poll(() => page.getByTestId('offline').count(), { timeout: 15_000 }).toBe(1);
        expect(await rowCount(page)).toBe(sim.demo.files.length);
        expect(await page.getByTestId('list-problem').textContent()).toMatch(/showing the list saved on this computer/);
        const names = await page.getByTestId('file-name').allTextContents();
        expect(new Set(names)).toEqual(new Set(sim.demo.files.map((f) => f.filename)));
      } finally {
        sim.faults.clear();
      }
    } finally {
      await context.close();
    }
  });

  it('rebuilds the mirror when it finds a database of another schema (a newer build, or a damaged one)', async () => {
    const context = await plainContext();
    try {
      const page = await context.newPage();
      await page.goto(url);
      await expect.poll(() => rowCount(page), { timeout: 15_000 }).toBe(sim.demo.files.length);
      // Replace the kit's database by one with a far higher version and unrelated stores.
      await page.evaluate(async () => {
        await new Promise<void>((resolve, reject) => {
          const del = indexedDB.deleteDatabase('aether-launcher-kit');
          del.onsuccess = () => resolve();
          del.onerror = () => reject(del.error);
          del.onblocked = () => resolve();
        });
        await new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('aether-launcher-kit', 9990);
          open.onupgradeneeded = () => open.result.createObjectStore('junk');
          open.onsuccess = () => {
            open.result.close();
            resolve();
          };
          open.onerror = () => reject(open.error);
        });
      });
      await page.reload();
      await expect.poll(() => page.getByTestId('updated').textContent(), { timeout: 15_000 }).toMatch(/Updated/);
      sim.faults.set({ status: 503, match: /^\/v3\// });
      try {
        await page.reload();
        await expect.poll(() => page.getByTestId('offline').count(), { timeout: 15_000 }).toBe(1);
        expect(await rowCount(page)).toBe(sim.demo.files.length);
      } finally {
        sim.faults.clear();
      }
    } finally {
      await context.close();
    }
  });
});
