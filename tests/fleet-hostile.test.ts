import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_STATUS_FILE_BYTES } from '../apps/cli/commands/fleet-table';
import { main } from '../apps/cli/main';
import { FleetStatusOutput } from '../apps/cli/output-schemas';
import { captureIo } from './cli-io-helpers';
import { useCleanups } from './support/cleanups';

/** `status/` is written by every Syncthing peer: what one of them puts there must not hang, read outside or drive the terminal. */

const cleanups = useCleanups();

function status(hostname: string, extra: Record<string, unknown> = {}) {
  return {
    hostname,
    event_device_id: 'dev',
    app_version: '1.4.0',
    last_seen: new Date().toISOString(),
    state: 'ready',
    api: null,
    cache: { files: 1, bytes: 1, missing: 0 },
    update: { available: null, staged: null, last_error: null },
    ...extra,
  };
}

async function share() {
  const dir = await cleanups.tempDir('fleet-hostile');
  await mkdir(path.join(dir, 'share', 'status'), { recursive: true });
  return { dir, share: path.join(dir, 'share'), status: path.join(dir, 'share', 'status') };
}

async function fleet(shareDir: string, json = false) {
  const io = captureIo({ HOME: shareDir });
  const code = await main(['fleet', 'status', '--share', shareDir, ...(json ? ['--json'] : [])], io);
  return { code, out: io.out(), err: io.err() };
}

describe('fleet status against a hostile share', () => {
  it('skips a FIFO instead of blocking on it, and lists it as unreadable', async () => {
    const s = await share();
    execFileSync('mkfifo', [path.join(s.status, 'pipe.json')]);
    await writeFile(path.join(s.status, 'ok.json'), JSON.stringify(status('ok')));
    const run = await fleet(s.share);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^ok\s+dev\s+1\.4\.0/m);
    expect(run.out).toContain('unreadable: pipe.json: not a regular file; skipped');
  });

  it('never lets escape sequences or newlines from a status file reach the terminal raw', async () => {
    const s = await share();
    const evil = 'lectern\u001b[2J\u001b[H\nFAKE-ROW  dev  9.9.9  ready\u009b31m\u202e';
    await writeFile(
      path.join(s.status, 'evil.json'),
      JSON.stringify(status(evil, { app_version: '1.4.0\r\u0007', state: 'ready\u001b]0;title\u0007' })),
    );
    await writeFile(path.join(s.status, 'bad\u001b[31mname\n.json'), '{');
    const run = await fleet(s.share);
    expect(run.code).toBe(0);
    expect(run.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    const lines = run.out.split('\n');
    // One header, one laptop row, no fake row starting a line.
    expect(lines.filter((l) => l.startsWith('FAKE-ROW'))).toEqual([]);
    expect(lines[1]).toMatch(
      /^lectern\?\[2J\?\[H\?FAKE-ROW {2}dev {2}9\.9\.9 {2}re… +dev +1\.4\.0\?\? +ready\?\]0;title\? /,
    );
    expect(run.out).toContain('unreadable: bad?[31mname?.json: not valid JSON');

    const json = await fleet(s.share, true);
    expect(json.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    const parsed = FleetStatusOutput.parse(JSON.parse(json.out));
    // Scripts get the exact value back, escaped in the JSON text.
    expect(parsed.laptops[0]?.hostname).toBe(evil);
  });

  it('does not follow symbolic links in status/ or status/ itself, and does not read an oversized file', async () => {
    const s = await share();
    const outside = path.join(s.dir, 'outside.json');
    await writeFile(outside, JSON.stringify(status('outside')));
    await symlink(outside, path.join(s.status, 'link.json'));
    await writeFile(
      path.join(s.status, 'huge.json'),
      JSON.stringify(status('huge', { padding: 'x'.repeat(MAX_STATUS_FILE_BYTES) })),
    );
    const run = await fleet(s.share);
    expect(run.code).toBe(0);
    expect(run.out).not.toMatch(/^outside|^huge/m);
    expect(run.out).toContain('unreadable: link.json: a symbolic link; not followed');
    expect(run.out).toMatch(/unreadable: huge\.json: \d+ bytes, more than a status file can be \(65536\); not read/);
    expect(run.out).toContain('0 laptops');

    const linked = await share();
    await mkdir(path.join(linked.dir, 'elsewhere'));
    await writeFile(path.join(linked.dir, 'elsewhere', 'x.json'), JSON.stringify(status('x')));
    execFileSync('rmdir', [linked.status]);
    await symlink(path.join(linked.dir, 'elsewhere'), linked.status);
    const viaLink = await fleet(linked.share);
    expect(viaLink.code).toBe(0);
    expect(viaLink.out).toContain('is a symbolic link; it is not followed');
    expect(viaLink.out).not.toMatch(/^x\s/m);
  });
});
