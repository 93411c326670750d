import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../apps/cli/main';
import { startDashboard } from '../apps/cli/dashboard/server';
import { silentLogger } from '../base/logger';
import { captureIo } from './cli-io-helpers';
import { launchChromium } from './support/chromium';
import { useCleanups } from './support/cleanups';

const cleanups = useCleanups();
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const SCREENSHOTS = path.resolve(import.meta.dirname, '..', 'docs', 'screenshots');
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
const AT_RISK = { s3: minutesAgo(12), s4: minutesAgo(25) };

function status(hostname: string, fields: Record<string, unknown> = {}) {
  return {
    hostname,
    event_device_id: `dev_${hostname.replace(/-/g, '_')}`,
    app_version: '1.5.0',
    last_seen: minutesAgo(0),
    state: 'ready',
    api: 'https://api.example-events.com',
    cache: { files: 12, bytes: 1_200_000, missing: 0 },
    update: { available: null, staged: null, last_error: null, waiting_for: null },
    room: { state: 'ready', reason: null },
    on_screen: null,
    sessions: [],
    screenshot: null,
    ...fields,
  };
}

/** Writes like a laptop does: a temp name, then a rename. */
async function report(dir: string, name: string, body: unknown) {
  const temp = path.join(dir, `.${name}.tmp`);
  await writeFile(temp, typeof body === 'string' ? body : JSON.stringify(body));
  await rename(temp, path.join(dir, name));
}

async function shareWithFleet() {
  const share = await cleanups.tempDir('dashboard');
  const dir = path.join(share, 'status');
  await mkdir(dir);
  // A real screenshot of a "slide", made by the browser, as a laptop's capturePage would.
  const slide = await browser.newPage({ viewport: { width: 480, height: 270 } });
  await slide.setContent(
    '<body style="margin:0;display:grid;place-items:center;height:100vh;background:linear-gradient(135deg,#1d2b64,#f8cdda);font:700 34px system-ui;color:white">Opening keynote</body>',
  );
  await writeFile(path.join(dir, 'lectern-a.png'), await slide.screenshot());
  await slide.close();
  await report(
    dir,
    'lectern-a.json',
    status('lectern-a', {
      room: { state: 'presenting', reason: null },
      on_screen: { filename: 'Opening Keynote.pptx', sha256: 'a'.repeat(64), since: minutesAgo(4), app_running: true },
      sessions: [
        { id: 's1', title: 'Opening keynote', starts_at: inMinutes(-5), ready: true, missing: 0 },
        { id: 's2', title: 'Product roadmap', starts_at: inMinutes(25), ready: true, missing: 0 },
      ],
      screenshot: 'lectern-a.png',
    }),
  );
  await report(
    dir,
    'lectern-b.json',
    status('lectern-b', {
      last_seen: minutesAgo(180),
      room: { state: 'syncing', reason: 'downloading 3 of 12 files' },
      cache: { files: 12, bytes: 900_000, missing: 3 },
      sessions: [
        {
          id: 's4',
          title: 'Workshop',
          starts_at: inMinutes(-10),
          ready: false,
          missing: 1,
          files: 4,
          at_risk_since: AT_RISK.s4,
        },
        {
          id: 's3',
          title: 'Breakout: <b>Data</b>',
          starts_at: inMinutes(20),
          ready: false,
          missing: 3,
          files: 12,
          at_risk_since: AT_RISK.s3,
        },
      ],
      disk: {
        free_bytes: 500 * 1024 * 1024,
        free_unknown: null,
        min_free_bytes: 16 * 1024 * 1024,
        cache_bytes: 900_000,
      },
    }),
  );
  await report(
    dir,
    'lectern-c.json',
    status('lectern-c', {
      room: { state: 'error', reason: '<img src=x onerror="document.title=\'owned\'"> cache disk full' },
      update: {
        available: '1.6.0',
        staged: '1.6.0',
        last_error: null,
        waiting_for: 'the session "Product roadmap" to end',
      },
      disk: { free_bytes: null, free_unknown: 'unsupported', min_free_bytes: 16 * 1024 * 1024, cache_bytes: 0 },
    }),
  );
  await report(dir, 'broken.json', '{"hostname": "half-written');
  return { share, dir };
}

describe('fleet serve: the ops dashboard in real Chromium', () => {
  it('shows every laptop as a card, marks stale ones, lists broken files and updates live', async () => {
    const { share, dir } = await shareWithFleet();
    const dashboard = await startDashboard({ share, staleAfterMs: 15 * 60_000, logger: silentLogger() });
    cleanups.push(() => dashboard.close());
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    cleanups.push(() => page.close());
    await page.goto(dashboard.url);
    await page.waitForSelector('.live.on');
    const cards = page.locator('article.card');
    await expect.poll(() => cards.count()).toBe(3);

    const a = page.locator('[data-host="lectern-a"]');
    expect(await a.locator('.badge').textContent()).toBe('presenting');
    expect(await a.textContent()).toContain('Opening Keynote.pptx');
    expect(await a.textContent()).toContain('Next: Product roadmap');
    expect(await a.textContent()).toContain('show-ready');
    await expect.poll(() => a.locator('img.shot').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(480);

    const b = page.locator('[data-host="lectern-b"]');
    expect(await b.getAttribute('class')).toContain('stale');
    expect(await b.locator('.badge').textContent()).toBe('stale');
    // Sessions within 30 minutes that are not show-ready say since when (the laptop's own tracker).
    const hhmm = (iso: string) =>
      page.evaluate((t) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }), iso);
    expect(await b.textContent()).toContain(`not ready since ${await hhmm(AT_RISK.s3)}, 3 of 12 files missing`);
    expect(await b.textContent()).toContain('At risk: Workshop');
    expect(await b.textContent()).toContain(`not ready since ${await hhmm(AT_RISK.s4)}, 1 of 4 files missing`);
    expect(await b.textContent()).toContain('500 MB free, cache 1 MB');
    expect(await a.textContent()).not.toContain('not ready since');
    expect(await b.textContent()).toContain('9 of 12 files');
    expect(await b.textContent()).toContain('Breakout: <b>Data</b>');

    // A peer's text is only ever text: no element, no script from a status file.
    const c = page.locator('[data-host="lectern-c"]');
    expect(await c.textContent()).toContain('<img src=x onerror=');
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await c.textContent()).toContain('free space unknown (unsupported)');
    expect(await page.title()).toBe('Aether fleet');
    expect(await c.textContent()).toContain('1.6.0 staged, waiting for the session "Product roadmap" to end');

    expect(await page.locator('#problems').isVisible()).toBe(true);
    expect(await page.locator('#problem-list').textContent()).toContain('broken.json');
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'fleet-dashboard.png'), fullPage: true });

    // Live: a new laptop appears and a state change shows, without a reload.
    const pushesBefore = dashboard.pushes();
    await report(dir, 'lectern-d.json', status('lectern-d', { room: { state: 'idle', reason: 'no event files yet' } }));
    await page.waitForSelector('[data-host="lectern-d"]', { timeout: 20_000 });
    await report(
      dir,
      'lectern-a.json',
      status('lectern-a', { room: { state: 'error', reason: 'PowerPoint quit unexpectedly' } }),
    );
    await expect.poll(() => a.locator('.badge').textContent(), { timeout: 20_000 }).toBe('error');
    expect(await a.textContent()).toContain('PowerPoint quit unexpectedly');
    expect(dashboard.pushes()).toBeGreaterThan(pushesBefore);
    expect(await cards.count()).toBe(4);
  });

  it('serves only plain screenshot names, never through a symlink, and nothing else from the share', async () => {
    const { share, dir } = await shareWithFleet();
    await symlink('/etc/passwd', path.join(dir, 'evil.png'));
    await writeFile(path.join(share, 'secret.txt'), 'not for the page');
    const dashboard = await startDashboard({ share, staleAfterMs: 15 * 60_000, logger: silentLogger() });
    cleanups.push(() => dashboard.close());
    const get = async (route: string) => {
      const response = await fetch(new URL(route, dashboard.url));
      return {
        status: response.status,
        type: response.headers.get('content-type'),
        body: Buffer.from(await response.arrayBuffer()),
      };
    };
    const shot = await get('/screenshots/lectern-a.png');
    expect(shot.status).toBe(200);
    expect(shot.body.subarray(1, 4).toString()).toBe('PNG');
    expect((await get('/screenshots/evil.png')).status).toBe(404);
    expect((await get('/screenshots/lectern-a.json')).status).toBe(404);
    expect((await get('/screenshots/..%2Fsecret.txt')).status).toBe(404);
    expect((await get('/../secret.txt')).status).toBe(404);
    expect((await fetch(dashboard.url, { method: 'POST' })).status).toBe(405);
    const api = JSON.parse((await get('/api/fleet')).body.toString()) as {
      rows: Array<{ status: { hostname: string } }>;
      problems: string[];
    };
    expect(api.rows.map((r) => r.status.hostname)).toEqual(['lectern-a', 'lectern-b', 'lectern-c']);
    expect(api.problems.some((p) => p.startsWith('broken.json'))).toBe(true);
  });

  it('bounds the open dashboards', async () => {
    const { share } = await shareWithFleet();
    const dashboard = await startDashboard({ share, staleAfterMs: 60_000, logger: silentLogger(), maxClients: 2 });
    cleanups.push(() => dashboard.close());
    const streams = await Promise.all([0, 1, 2].map(() => fetch(new URL('/events', dashboard.url))));
    expect(streams.map((s) => s.status).sort()).toEqual([200, 200, 503]);
    for (const s of streams) await s.body?.cancel();
  });

  it('the command refuses a share that does not exist (exit 1) and bad options (exit 2)', async () => {
    const io = captureIo();
    expect(await main(['fleet', 'serve', '--share', '/nonexistent/share'], io)).toBe(1);
    expect(io.err()).toContain('/nonexistent/share');
    const port = captureIo();
    expect(await main(['fleet', 'serve', '--share', '/tmp', '--port', 'eighty'], port)).toBe(2);
    expect(port.err()).toContain('--port must be a port number');
  });
});
