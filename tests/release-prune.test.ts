import { randomBytes } from 'node:crypto';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../apps/cli/main';
import { ReleasePruneOutput } from '../apps/cli/output-schemas';
import { captureIo } from './cli-io-helpers';
import { useCleanups } from './support/cleanups';

const cleanups = useCleanups();

/** A share with releases 1.1.0 (zip and dmg) to 1.4.0 published by the real command, then rolled back to 1.2.0. */
async function shareWithReleases() {
  const dir = await cleanups.tempDir('release-prune');
  const share = path.join(dir, 'share');
  const builds = path.join(dir, 'builds');
  await mkdir(share);
  await mkdir(builds);
  const publish = async (name: string, extra: string[] = []) => {
    await writeFile(path.join(builds, name), randomBytes(2048));
    const io = captureIo({ HOME: dir });
    expect(await main(['release', '--share', share, '--file', path.join(builds, name), ...extra], io), io.err()).toBe(
      0,
    );
  };
  await publish('Aether-1.1.0-mac.zip');
  await writeFile(path.join(share, 'binaries', 'native_app', 'Aether-1.1.0-mac.dmg'), randomBytes(1000));
  for (const v of ['1.2.0', '1.3.0', '1.4.0']) await publish(`Aether-${v}-mac.zip`);
  await publish('Aether-1.2.0-mac.zip', ['--rollback']);
  const nativeApp = path.join(share, 'binaries', 'native_app');
  // Never touched: a release in progress, a file without a version, a link.
  await writeFile(path.join(nativeApp, '.Aether-1.5.0-mac.zip.tmp'), 'partial');
  await writeFile(path.join(nativeApp, 'README.txt'), 'notes');
  await symlink(path.join(builds, 'Aether-1.1.0-mac.zip'), path.join(nativeApp, 'Aether-0.9.0-mac.zip'));
  return { dir, share, nativeApp };
}

async function cli(dir: string, args: string[]) {
  const io = captureIo({ HOME: dir });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('aether-native release --prune', () => {
  it('keeps the newest KEEP builds and the current one, --dry-run first changes nothing', async () => {
    const { dir, share, nativeApp } = await shareWithReleases();
    const before = (await readdir(nativeApp)).sort();

    const dry = await cli(dir, ['release', '--prune', '2', '--dry-run', '--json', '--share', share]);
    expect(dry.code).toBe(0);
    expect(ReleasePruneOutput.parse(JSON.parse(dry.out))).toEqual({
      share,
      dry_run: true,
      current: 'Aether-1.2.0-mac.zip',
      kept: ['Aether-1.4.0-mac.zip', 'Aether-1.3.0-mac.zip', 'Aether-1.2.0-mac.zip'],
      removed: [
        { file: 'Aether-1.1.0-mac.dmg', bytes: 1000 },
        { file: 'Aether-1.1.0-mac.zip', bytes: 2048 },
      ],
    });
    expect((await readdir(nativeApp)).sort()).toEqual(before);

    const real = await cli(dir, ['release', '--prune', '1', '--share', share]);
    expect(real.code).toBe(0);
    expect(real.out).toContain('keep    Aether-1.2.0-mac.zip (current)');
    expect(real.out).toContain('kept 2, removed 3 build file(s)');
    expect((await readdir(nativeApp)).sort()).toEqual([
      '.Aether-1.5.0-mac.zip.tmp',
      'Aether-0.9.0-mac.zip',
      'Aether-1.2.0-mac.zip',
      'Aether-1.4.0-mac.zip',
      'README.txt',
      'version.json',
    ]);
  });

  it('refuses bad KEEP values, mixing with publishing options, and a version.json it cannot read', async () => {
    const { dir, share, nativeApp } = await shareWithReleases();
    for (const [args, message] of [
      [['--prune', '0'], /--prune needs how many builds to keep, a whole number of at least 1 \(got "0"\)/],
      [['--prune', 'all'], /got "all"/],
      [['--prune', '2', '--file', 'x.zip'], /--prune removes old builds; it does not go with --file/],
      [['--dry-run', '--file', 'x.zip'], /--dry-run goes with --prune/],
    ] as const) {
      const run = await cli(dir, ['release', ...args, '--share', share]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.err).toMatch(message);
    }
    const before = (await readdir(nativeApp)).sort();
    await writeFile(path.join(nativeApp, 'version.json'), '{"version": ');
    const broken = await cli(dir, ['release', '--prune', '1', '--share', share]);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/version\.json is not valid JSON; prune will not guess which build is current/);
    expect((await readdir(nativeApp)).sort()).toEqual(before);
  });
});
