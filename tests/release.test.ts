import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../apps/cli/main';
import { silentLogger } from '../base/logger';
import { createShareWatcher } from '../provisioning/share-watcher';
import { checkPayload, PayloadHashCache } from '../update-helper/payload-check';
import { versionFromFileName } from '../update-helper/publish-release';
import type { UpdateState } from '../update-helper/update-state';
import { createVersionWatcher } from '../update-helper/version-watcher';
import { VersionFile, VersionManifest } from '../contracts/version';
import { captureIo } from './cli-io-helpers';
import { waitFor } from './share-watcher-helpers';
import { useCleanups } from './support/cleanups';
import { recordingStage, sha256 } from './version-watcher-fixtures';

const cleanups = useCleanups();

async function workspace() {
  const dir = await cleanups.tempDir('release');
  const share = path.join(dir, 'share');
  const builds = path.join(dir, 'builds');
  await mkdir(builds);
  await mkdir(share);
  const build = async (name: string, bytes: number) => {
    const data = randomBytes(bytes);
    await writeFile(path.join(builds, name), data);
    return { path: path.join(builds, name), data };
  };
  return { dir, share, build, nativeApp: path.join(share, 'binaries', 'native_app') };
}

const readVersion = async (dir: string) =>
  VersionFile.parse(JSON.parse(await readFile(path.join(dir, 'version.json'), 'utf8')));

describe('aether-native release', () => {
  it('publishes the build and then version.json with its size and SHA-256', async () => {
    const { share, build, nativeApp } = await workspace();
    const b = await build('Aether-1.5.0-linux.AppImage', 100_000);
    const io = captureIo();
    expect(
      await main(
        [
          'release',
          '--share',
          share,
          '--file',
          b.path,
          '--notes',
          'Faster sync',
          '--only-hosts',
          'Lectern-A.local,lectern-b',
        ],
        io,
      ),
    ).toBe(0);
    expect(await readVersion(nativeApp)).toEqual({
      version: '1.5.0',
      file: 'Aether-1.5.0-linux.AppImage',
      sha256: sha256(b.data),
      size: b.data.length,
      only_hosts: ['lectern-a', 'lectern-b'],
      notes: 'Faster sync',
    });
    expect(await readdir(nativeApp)).toEqual(['Aether-1.5.0-linux.AppImage', 'version.json']);
    expect(io.out()).toContain('Released 1.5.0');
  });

  it('refuses a lower version unless it is an explicit --rollback, and the same one unless --force, leaving the share untouched', async () => {
    const { share, build, nativeApp } = await workspace();
    const newer = await build('Aether-1.5.0.AppImage', 1000);
    const older = await build('Aether-1.4.0.AppImage', 1000);
    expect(await main(['release', '--share', share, '--file', newer.path], captureIo())).toBe(0);
    const io = captureIo();
    expect(await main(['release', '--share', share, '--file', older.path], io)).toBe(1);
    expect(io.err()).toContain(
      '1.4.0 is lower than the current release 1.5.0; laptops refuse plain downgrades. Use --rollback',
    );
    const forced = captureIo();
    expect(await main(['release', '--share', share, '--file', older.path, '--force'], forced)).toBe(1);
    expect(forced.err()).toContain('Use --rollback');
    expect((await readVersion(nativeApp)).version).toBe('1.5.0');
    expect(await readdir(nativeApp)).not.toContain('Aether-1.4.0.AppImage');
    const same = captureIo();
    expect(await main(['release', '--share', share, '--file', newer.path, '--version', '1.5.0'], same)).toBe(1);
    expect(same.err()).toContain('Use --force to publish it again');
    expect(await main(['release', '--share', share, '--file', newer.path, '--force'], captureIo())).toBe(0);
    const rollback = captureIo();
    expect(await main(['release', '--share', share, '--file', older.path, '--rollback'], rollback)).toBe(0);
    expect(rollback.out()).toContain('rollback of 1.5.0: laptops on it go down to 1.4.0');
    expect(await readVersion(nativeApp)).toMatchObject({ version: '1.4.0', rollback_of: '1.5.0' });
    const notLower = captureIo();
    expect(await main(['release', '--share', share, '--file', newer.path, '--rollback'], notLower)).toBe(1);
    expect(notLower.err()).toContain('--rollback publishes a lower version than the current 1.4.0');
  });

  it('adds or replaces one platform of a per-platform version.json without touching the others', async () => {
    const { share, build, nativeApp } = await workspace();
    const mac = await build('Aether-1.5.0-mac-arm64.zip', 1000);
    const linux = await build('Aether-1.5.0-linux-x64.AppImage', 2000);
    const linux2 = await build('Aether-1.5.0-linux-x64-rebuilt.AppImage', 3000);
    expect(
      await main(['release', '--share', share, '--file', mac.path, '--platform', 'darwin-arm64'], captureIo()),
    ).toBe(0);
    expect(
      await main(
        ['release', '--share', share, '--file', linux.path, '--platform', 'linux-x64', '--rollout-percent', '25'],
        captureIo(),
      ),
    ).toBe(0);
    let manifest = VersionManifest.parse(JSON.parse(await readFile(path.join(nativeApp, 'version.json'), 'utf8')));
    expect(manifest).toMatchObject({
      version: '1.5.0',
      rollout_percent: 25,
      builds: {
        'darwin-arm64': { file: 'Aether-1.5.0-mac-arm64.zip', size: 1000, sha256: sha256(mac.data) },
        'linux-x64': { size: 2000 },
      },
    });
    expect(
      await main(
        ['release', '--share', share, '--file', linux2.path, '--platform', 'linux-x64', '--version', '1.5.0'],
        captureIo(),
      ),
    ).toBe(0);
    manifest = VersionManifest.parse(JSON.parse(await readFile(path.join(nativeApp, 'version.json'), 'utf8')));
    expect(manifest).toMatchObject({
      builds: {
        'darwin-arm64': { size: 1000 },
        'linux-x64': { file: 'Aether-1.5.0-linux-x64-rebuilt.AppImage', size: 3000 },
      },
    });
    const bad = captureIo();
    expect(await main(['release', '--share', share, '--file', mac.path, '--platform', 'amiga'], bad)).toBe(2);
    expect(bad.err()).toContain('--platform must be one of darwin-arm64');
    const badPercent = captureIo();
    expect(await main(['release', '--share', share, '--file', mac.path, '--rollout-percent', '150'], badPercent)).toBe(
      2,
    );
    expect(badPercent.err()).toContain('--rollout-percent must be a whole number from 0 to 100');
  });

  it('reports bad input as usage errors with exit code 2', async () => {
    const { dir, share, build, nativeApp } = await workspace();
    const noVersion = await build('Aether-latest.zip', 10);
    const versioned = await build('Aether-1.8.0.zip', 10);
    const cases: Array<[string[], RegExp, number]> = [
      [
        ['release', '--file', versioned.path],
        /no share folder found \(looked at .*admin_share.*\); pass --share DIR or set AETHER_SHARE/,
        1,
      ],
      [
        ['release', '--share', path.join(dir, 'typo'), '--file', versioned.path],
        /the share .*typo \(from --share\) does not exist/,
        1,
      ],
      [['release', '--share', share], /--file BUILD is required/, 2],
      [
        ['release', '--share', share, '--file', noVersion.path, '--bogus'],
        /^aether-native release: unknown option --bogus\. Options here: /,
        2,
      ],
      [
        ['release', '--share', share, '--file', noVersion.path],
        /the file name Aether-latest\.zip holds no version .*; add --version MAJOR\.MINOR\.PATCH/,
        2,
      ],
      [
        ['release', '--share', share, '--file', noVersion.path, '--version', 'v2'],
        /--version v2 is not a semantic version: use MAJOR\.MINOR\.PATCH, e\.g\. --version 2\.0\.0/,
        2,
      ],
      [
        ['release', '--share', share, '--file', versioned.path, '--version', '1.8'],
        /^aether-native release: --version 1\.8 is not a semantic version: use MAJOR\.MINOR\.PATCH, e\.g\. --version 1\.8\.0\.\n/,
        2,
      ],
      [['release', '--share', share, '--file', path.join(share, 'missing.zip')], /is not a file/, 1],
    ];
    for (const [args, message, code] of cases) {
      const io = captureIo({ HOME: dir });
      expect(await main(args, io), args.join(' ')).toBe(code);
      expect(io.err()).toMatch(message);
      expect(io.err()).not.toMatch(/pass --version/);
    }
    await expect(readdir(nativeApp)).rejects.toThrow();
    await expect(readdir(path.join(dir, 'typo'))).rejects.toThrow();
  });

  it('reads versions out of build file names', () => {
    expect(versionFromFileName('Aether-1.4.0-mac-arm64.zip')).toBe('1.4.0');
    expect(versionFromFileName('Aether-2.0.0-rc.1.AppImage')).toBe('2.0.0-rc.1');
    expect(versionFromFileName('aether_10.20.30.tar.gz')).toBe('10.20.30');
    expect(versionFromFileName('Aether.zip')).toBeNull();
  });

  it('never lets a watcher observe a version.json whose build is missing or incomplete', async () => {
    const { share, build, nativeApp } = await workspace();
    const builds = [
      await build('Aether-1.1.0.AppImage', 8_000_000),
      await build('Aether-1.2.0.AppImage', 8_000_000),
      await build('Aether-1.3.0.AppImage', 8_000_000),
    ];
    const violations: string[] = [];
    let observed = 0;
    const hashes = new PayloadHashCache();
    const raw = createShareWatcher({
      dir: nativeApp,
      logger: silentLogger(),
      debounceMs: 0,
      maxWaitMs: 0,
      onSnapshot: async (snapshot) => {
        if (!snapshot.has('version.json')) return;
        observed += 1;
        const release = await readVersion(nativeApp).catch(
          (e: Error) => (violations.push(`unreadable version.json: ${e.message}`), null),
        );
        if (!release) return;
        const check = await checkPayload(path.join(nativeApp, release.file), release, hashes);
        if (check.kind !== 'match') violations.push(`${release.version}: ${check.kind}`);
      },
    });
    cleanups.push(() => raw.close());
    const recorder = recordingStage();
    const states: UpdateState[] = [];
    const watcher = createVersionWatcher({
      target: 'linux-x64',
      shareRoot: share,
      appVersion: '1.0.0',
      hostname: 'lectern-a',
      logger: silentLogger(),
      stage: recorder.stage,
      applyStagedUpdate: async () => undefined,
      watch: { debounceMs: 0, maxWaitMs: 0 },
    });
    watcher.subscribe((s) => states.push(s.state));
    cleanups.push(() => watcher.close());
    await raw.start();
    await watcher.start();
    for (const b of builds) expect(await main(['release', '--share', share, '--file', b.path], captureIo())).toBe(0);
    await waitFor(
      '1.3.0 staged',
      () =>
        watcher.status().state.kind === 'staged' && (watcher.status().state as { version: string }).version === '1.3.0',
    ).catch((err: Error) => {
      throw new Error(`${err.message}; states seen: ${JSON.stringify(states)}`);
    });
    expect(observed).toBeGreaterThan(0);
    expect(violations).toEqual([]);
    expect(states.filter((s) => s.kind === 'waiting-for-payload' || s.kind === 'failed')).toEqual([]);
  });
});
