import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../apps/cli/main';
import { captureIo } from './cli-io-helpers';
import { useCleanups } from './support/cleanups';

const cleanups = useCleanups();

function status(hostname: string, minutesAgo: number, extra: Record<string, unknown> = {}) {
  return {
    hostname,
    event_device_id: `dev-${hostname}`,
    app_version: '1.4.0',
    last_seen: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    state: 'ready',
    api: 'https://api.example-events.com',
    cache: { files: 40, bytes: 123456, missing: 10 },
    update: { available: null, staged: null, last_error: null },
    ...extra,
  };
}

async function shareWith(files: Record<string, string>) {
  const dir = await cleanups.tempDir('fleet');
  await mkdir(path.join(dir, 'status'));
  for (const [name, body] of Object.entries(files)) await writeFile(path.join(dir, 'status', name), body);
  return dir;
}

describe('aether-native fleet status', () => {
  it('prints one row per laptop with cache completeness, marks stale rows, and lists unreadable files', async () => {
    const share = await shareWith({
      'lectern-b.json': JSON.stringify(
        status('lectern-b', 2, { update: { available: '1.5.0', staged: '1.5.0', last_error: null } }),
      ),
      'lectern-a.json': JSON.stringify(status('lectern-a', 180)),
      'lectern-a.sync-conflict-20261122-101010-ABCDEFG.json': JSON.stringify(status('ghost', 1)),
      '.syncthing.lectern-c.json.tmp': '{',
      'broken.json': '{"hostname": ',
      'wrong.json': JSON.stringify({ hostname: 'x' }),
    });
    const io = captureIo();
    expect(await main(['fleet', 'status', '--share', share], io)).toBe(0);
    const lines = io.out().split('\n');
    expect(lines[0]).toMatch(/^HOSTNAME\s+DEVICE\s+VERSION\s+STATE\s+CACHE\s+LAST SEEN$/);
    expect(lines[1]).toMatch(/^lectern-a\s+dev-lectern-a\s+1\.4\.0\s+ready\s+30\/40 \(75%\)\s+3 h ago STALE$/);
    expect(lines[2]).toMatch(
      /^lectern-b\s+dev-lectern-b\s+1\.4\.0\s+ready, 1\.5\.0 staged\s+30\/40 \(75%\)\s+2 min ago$/,
    );
    expect(io.out()).toContain('2 laptops, 1 stale');
    expect(io.out()).toContain('unreadable: broken.json: not valid JSON');
    expect(io.out()).toMatch(/unreadable: wrong\.json: event_device_id/);
    expect(io.out()).not.toContain('ghost');
  });

  it('lists under the table the sessions about to start that a laptop says are not ready, and since when', async () => {
    const at = (iso: string) => {
      const d = new Date(iso);
      return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
    };
    const starts = new Date(Date.now() + 20 * 60_000).toISOString();
    const since = new Date(Date.now() - 8 * 60_000).toISOString();
    const share = await shareWith({
      'lectern-a.json': JSON.stringify(
        status('lectern-a', 1, {
          sessions: [
            {
              id: 's1',
              title: 'Keynote',
              starts_at: starts,
              ready: false,
              missing: 3,
              files: 12,
              at_risk_since: since,
            },
            { id: 's2', title: 'Roadmap', starts_at: starts, ready: true, missing: 0, files: 2, at_risk_since: null },
            // An older laptop writes neither `files` nor `at_risk_since`: nothing to say since when.
            { id: 's3', title: 'Breakout', starts_at: starts, ready: false, missing: 1 },
          ],
        }),
      ),
      'lectern-b.json': JSON.stringify(status('lectern-b', 1)),
    });
    const io = captureIo();
    expect(await main(['fleet', 'status', '--share', share], io)).toBe(0);
    const lines = io.out().split('\n');
    expect(lines.filter((l) => l.includes('not ready'))).toEqual([
      `lectern-a: Keynote ${at(starts)} not ready since ${at(since)}, 3 of 12 files missing`,
    ]);
  });

  it('prints JSON with a stale flag for scripts', async () => {
    const share = await shareWith({ 'a.json': JSON.stringify(status('a', 30)) });
    const io = captureIo({ AETHER_SHARE: share });
    expect(await main(['fleet', 'status', '--json', '--stale-minutes', '60'], io)).toBe(0);
    const parsed = JSON.parse(io.out()) as { laptops: Array<{ hostname: string; stale: boolean }>; problems: string[] };
    expect(parsed.laptops).toEqual([expect.objectContaining({ hostname: 'a', stale: false })]);
    expect(parsed.problems).toEqual([]);
  });

  it('says so when no laptop has reported, and rejects bad usage', async () => {
    const dir = await cleanups.tempDir('fleet');
    const io = captureIo();
    expect(await main(['fleet', 'status', '--share', dir], io)).toBe(0);
    expect(io.out()).toContain('does not exist yet: no laptop has reported');
    expect(io.out()).not.toContain('unreadable');
    for (const args of [
      ['fleet'],
      ['fleet', 'list', '--share', dir],
      ['fleet', 'status', '--share', dir, '--stale-minutes', 'soon'],
    ]) {
      const bad = captureIo({ HOME: dir });
      expect(await main(args, bad), args.join(' ')).toBe(2);
    }
    const noShare = captureIo({ HOME: dir });
    expect(await main(['fleet', 'status'], noShare)).toBe(1);
    expect(noShare.err()).toContain('no share folder found');
  });
});
