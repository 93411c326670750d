import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../apps/cli/main';
import { silentLogger } from '../base/logger';
import { loadSeed } from '../provisioning/seed-load';
import { waitForSeed, type ZeroTouchState } from '../provisioning/zero-touch';
import { captureIo } from './cli-io-helpers';
import { useCleanups } from './support/cleanups';

const cleanups = useCleanups();

async function workspace() {
  const dir = await cleanups.tempDir('provision');
  const keyFile = path.join(dir, 'device.key');
  await writeFile(keyFile, 'super-secret-key-123\n');
  const share = path.join(dir, 'share');
  await mkdir(share);
  return { dir, share, keyFile };
}

describe('aether-native provision', () => {
  it('writes a seed the app accepts, named by the normalised hostname, without printing the key', async () => {
    const { share, keyFile } = await workspace();
    const io = captureIo();
    const code = await main(
      [
        'provision',
        '--share',
        share,
        '--hostname',
        'Lectern-A.local',
        '--device',
        'dbgMWS3KEHE',
        '--api',
        'https://api.example-events.com/',
        '--key-file',
        keyFile,
      ],
      io,
    );
    expect(code).toBe(0);
    const file = path.join(share, 'seeds', 'seed_lectern-a.json');
    const loaded = await loadSeed(file, { logger: silentLogger(), defaultApiUrl: 'https://default.example' });
    expect(loaded.seed).toEqual({
      event_device_id: 'dbgMWS3KEHE',
      primary_api_base_url: 'https://api.example-events.com',
      backup_api_base_url: null,
      onsite_api_base_url: null,
      aether_api_key: 'super-secret-key-123',
    });
    expect(loaded.warnings).toEqual([]);
    expect(io.out()).toContain('seed_lectern-a.json');
    expect(io.out() + io.err()).not.toContain('super-secret-key');
  });

  it('keeps a hostile hostname inside the seeds folder', async () => {
    const { share } = await workspace();
    expect(
      await main(['provision', '--share', share, '--hostname', '../../etc/passwd', '--device', 'x1'], captureIo()),
    ).toBe(0);
    expect(await readdir(path.join(share, 'seeds'))).toEqual(['seed_------etc-passwd.json']);
  });

  it('refuses an invalid seed, an existing seed without --force, and missing options', async () => {
    const { share, dir } = await workspace();
    const cases: Array<[string[], RegExp, number]> = [
      [
        ['provision', '--share', share, '--hostname', 'a', '--device', 'bad id!'],
        /event_device_id may only hold letters/,
        1,
      ],
      [
        ['provision', '--share', share, '--hostname', 'a', '--device', 'ok', '--api', 'ftp://x'],
        /primary_api_base_url must be an absolute http/,
        1,
      ],
      [['provision', '--share', share, '--device', 'ok'], /--hostname H is required/, 2],
      [
        ['provision', '--share', share, '--hostname', 'a', '--device', 'ok', '--key-file', path.join(dir, 'nope')],
        /cannot read --key-file/,
        2,
      ],
    ];
    for (const [args, message, code] of cases) {
      const io = captureIo();
      expect(await main(args, io), args.join(' ')).toBe(code);
      expect(io.err()).toMatch(message);
    }
    await expect(readdir(path.join(share, 'seeds'))).rejects.toThrow();
    expect(await main(['provision', '--share', share, '--hostname', 'a', '--device', 'first'], captureIo())).toBe(0);
    const again = captureIo();
    expect(await main(['provision', '--share', share, '--hostname', 'a', '--device', 'second'], again)).toBe(1);
    expect(again.err()).toContain('already exists; use --force');
    expect(
      await main(['provision', '--share', share, '--hostname', 'a', '--device', 'second', '--force'], captureIo()),
    ).toBe(0);
    expect(JSON.parse(await readFile(path.join(share, 'seeds', 'seed_a.json'), 'utf8'))).toMatchObject({
      event_device_id: 'second',
    });
  });

  it('is picked up by a waiting laptop without it ever seeing a partial seed', async () => {
    const { dir, share, keyFile } = await workspace();
    const states: ZeroTouchState[] = [];
    const controller = new AbortController();
    cleanups.push(async () => controller.abort());
    const waiting = waitForSeed({
      shareCandidates: [share],
      hostname: 'lectern-b',
      seedConfigPath: path.join(dir, 'config', 'seed.json'),
      defaultApiUrl: 'https://default.example',
      logger: silentLogger(),
      onState: (s) => states.push(s),
      signal: controller.signal,
      watch: { debounceMs: 0, maxWaitMs: 0 },
    });
    expect(
      await main(
        ['provision', '--share', share, '--hostname', 'lectern-b', '--device', 'dev-b', '--key-file', keyFile],
        captureIo(),
      ),
    ).toBe(0);
    expect((await waiting).seed.event_device_id).toBe('dev-b');
    expect(states.filter((s) => s.kind === 'waiting' && s.problem)).toEqual([]);
  });
});
