import { describe, expect, it } from 'vitest';
import { contentDisposition, PAGE_SESSION_COOKIE, startSimulator, type Simulator } from '../apps/simulator/index';
import { EventFileList, launcherUrl, SiteDomainList } from '../contracts/api';
import { useCleanups } from './support/cleanups';

/** What a plain-browser launcher needs from the simulator: a page session, named downloads, periods, sessions. */

const cleanups = useCleanups();
let sim: Simulator;

async function start(options: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  sim = await startSimulator(options);
  cleanups.push(() => sim.close());
  return sim;
}

async function pageCookie(s: Simulator, eventId = s.demo.device.event_id): Promise<string> {
  const res = await fetch(`${s.url}/events/${encodeURIComponent(eventId)}/launcher/loc_x`);
  await res.text();
  const set = res.headers.get('set-cookie');
  expect(set).toMatch(new RegExp(`^${PAGE_SESSION_COOKIE}=[A-Za-z0-9_-]+; Path=/; HttpOnly; SameSite=Strict$`));
  return set!.split(';')[0]!;
}

describe('simulator: a plain browser’s access through the launcher page’s session cookie (demo only)', () => {
  it('authorises the list and the bytes of that event, nothing of another event, nothing without it', async () => {
    const s = await start();
    const other = await s.addFile({ filename: 'Other event.pptx', size: 100, event_id: 'ev_other' });
    const cookie = await pageCookie(s);
    const list = await fetch(`${s.url}/v3/crud/event_file?event_id=${s.demo.device.event_id}`, { headers: { cookie } });
    expect(list.status).toBe(200);
    expect(EventFileList.parse(await list.json()).items.map((f) => f.sha256)).toEqual(
      s.demo.files.map((f) => f.sha256),
    );
    expect((await fetch(`${s.url}/v3/files/${s.demo.files[0]!.sha256}`, { headers: { cookie } })).status).toBe(200);

    expect((await fetch(`${s.url}/v3/crud/event_file?event_id=ev_other`, { headers: { cookie } })).status).toBe(401);
    expect((await fetch(`${s.url}/v3/files/${other.sha256}`, { headers: { cookie } })).status).toBe(401);
    expect(
      (await fetch(`${s.url}/v3/crud/event_device/${s.demo.device.event_device_id}`, { headers: { cookie } })).status,
    ).toBe(401);
    expect(
      (
        await fetch(`${s.url}/v3/files/${s.demo.files[0]!.sha256}`, {
          headers: { cookie: `${PAGE_SESSION_COOKIE}=forged` },
        })
      ).status,
    ).toBe(401);
    expect((await fetch(`${s.url}/v3/crud/event_file?event_id=${s.demo.device.event_id}`)).status).toBe(401);
  });

  it('does not issue a second cookie to a page that already holds one for the event', async () => {
    const s = await start();
    const cookie = await pageCookie(s);
    const again = await fetch(launcherUrl(s.demo.device), { headers: { cookie } });
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  it('serves the site domain’s refresh periods, configurable, and the device’s ui_refresh_period from them', async () => {
    const s = await start({ refreshPeriods: { default: 1.5, onsite: 0.75, native: 0.25 }, checkEventLoopPeriod: 2 });
    const cookie = await pageCookie(s);
    const res = await fetch(`${s.url}/v3/crud/site_domain?app_base_url=${encodeURIComponent(s.url)}`, {
      headers: { cookie },
    });
    expect(SiteDomainList.parse(await res.json()).items[0]?.refresh_periods).toEqual({
      default: 1.5,
      onsite: 0.75,
      native: 0.25,
    });
    expect(s.demo.device).toMatchObject({ ui_refresh_period: 0.25, check_event_loop_period: 2 });
    const defaults = await start();
    expect(defaults.demo.siteDomain.refresh_periods).toEqual({ default: 60, onsite: 15, native: 5 });
  });

  it('groups the demo files into sessions, with names that carry spaces, accents and &', async () => {
    const s = await start();
    const titles = new Set(s.demo.files.map((f) => f.session_title ?? null));
    expect(titles).toEqual(new Set(['Opening keynote', 'Partner showcase', 'Closing Q&A', null]));
    for (const f of s.demo.files.filter((x) => x.session_id))
      expect(Date.parse(f.session_ends_at!)).toBeGreaterThan(Date.parse(f.session_starts_at!));
    expect(
      s.demo.files.some((f) => /[À-ÿ]/.test(f.filename) && f.filename.includes('&') && f.filename.includes(' ')),
    ).toBe(true);
  });
});

describe('simulator: file bytes carry Content-Disposition (RFC 6266)', () => {
  it('names the file: an ASCII fallback and the exact UTF-8 name as filename*', async () => {
    const s = await start({ files: [{ filename: 'Café & Crème "final".pptx', size: 10 }] });
    const res = await fetch(`${s.url}/v3/files/${s.demo.files[0]!.sha256}`, { headers: { 'x-api-key': s.apiKey } });
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="Caf_ & Cr_me _final_.pptx"; filename*=UTF-8''Caf%C3%A9%20%26%20Cr%C3%A8me%20%22final%22.pptx`,
    );
    await res.arrayBuffer();
    const ranged = await fetch(`${s.url}/v3/files/${s.demo.files[0]!.sha256}`, {
      headers: { 'x-api-key': s.apiKey, range: 'bytes=0-3' },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-disposition')).toMatch(/^attachment; /);
    await ranged.arrayBuffer();
  });

  it('never lets a name break the header: controls and quotes are replaced, apostrophes and parentheses encoded', () => {
    expect(contentDisposition('a\r\nSet-Cookie: x=1.txt')).toBe(
      `attachment; filename="a__Set-Cookie: x=1.txt"; filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x%3D1.txt`,
    );
    expect(contentDisposition("it's (v2)*.key")).toBe(
      `attachment; filename="it's (v2)*.key"; filename*=UTF-8''it%27s%20%28v2%29%2A.key`,
    );
  });
});

describe('simulator: a launcher built elsewhere (launcherDir)', () => {
  it('serves index.html at every launcher URL with the page cookie, its /_app/ assets, and nothing outside the folder', async () => {
    const { mkdir, symlink, writeFile } = await import('node:fs/promises');
    const path = await import('node:path');
    const dir = await cleanups.tempDir('aether-static-launcher-');
    const build = path.join(dir, 'build');
    await mkdir(path.join(build, '_app'), { recursive: true });
    await writeFile(path.join(build, 'index.html'), '<!doctype html><p>built launcher</p>');
    await writeFile(path.join(build, '_app', 'start.js'), 'export {};');
    await writeFile(path.join(dir, 'secret.txt'), 'not for the page');
    await symlink(path.join(dir, 'secret.txt'), path.join(build, '_app', 'link.txt'));
    const s = await start({ launcherDir: build });

    const page = await fetch(launcherUrl(s.demo.device));
    expect(await page.text()).toContain('built launcher');
    expect(page.headers.get('set-cookie')).toMatch(new RegExp(`^${PAGE_SESSION_COOKIE}=`));
    const asset = await fetch(`${s.url}/_app/start.js`);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(await asset.text()).toBe('export {};');
    for (const p of [
      '/_app/%2e%2e/%2e%2e/secret.txt',
      '/_app/..%2f..%2fsecret.txt',
      '/_app/link.txt',
      '/_app/missing.js',
      '/_app/',
    ]) {
      const res = await fetch(`${s.url}${p}`);
      expect(res.status, p).toBe(404);
      expect(await res.text()).not.toContain('not for the page');
    }
    expect((await fetch(`${s.url}/demo/launcher.js`)).status).toBe(404);
  });
});
