import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { type BuildTarget, buildTargetFor, releaseForTarget, VersionManifest } from '../contracts/version';
import { ineligibility, isRollbackFor, rolloutBucket } from '../update-helper/version-eligibility';
import { createVersionWatcher } from '../update-helper/version-watcher';
import { waitFor } from './share-watcher-helpers';
import { useCleanups } from './support/cleanups';
import { dropVersion, nativeAppDir, recordingStage, sha256 } from './version-watcher-fixtures';

const cleanups = useCleanups();
const hex = (c: string) => c.repeat(64);
const MULTI = {
  version: '1.5.0',
  builds: {
    'darwin-arm64': { file: 'Aether-1.5.0-mac-arm64.zip', sha256: hex('a'), size: 10 },
    'darwin-universal': { file: 'Aether-1.5.0-mac-universal.zip', sha256: hex('b'), size: 20 },
    'linux-x64': { file: 'Aether-1.5.0-linux-x64.AppImage', sha256: hex('c'), size: 30 },
  },
  rollback_of: null,
  rollout_percent: 100,
  only_hosts: null,
  min_version: null,
  notes: 'Faster cache sync',
};

describe('per-platform version.json (CONTRACTS "version.json, per platform")', () => {
  it("each laptop takes only its own platform's build; a Mac without its own takes darwin-universal", () => {
    const manifest = VersionManifest.parse(MULTI);
    const fileFor = (target: BuildTarget) => releaseForTarget(manifest, target)?.file ?? null;
    expect(fileFor('darwin-arm64')).toBe('Aether-1.5.0-mac-arm64.zip');
    expect(fileFor('darwin-x64')).toBe('Aether-1.5.0-mac-universal.zip');
    expect(fileFor('linux-x64')).toBe('Aether-1.5.0-linux-x64.AppImage');
    expect(fileFor('linux-arm64')).toBeNull();
    expect(fileFor('win32-x64')).toBeNull();
    expect(releaseForTarget(manifest, 'linux-x64')).toMatchObject({
      version: '1.5.0',
      sha256: hex('c'),
      size: 30,
      notes: 'Faster cache sync',
    });
  });

  it('keeps reading the single-build form, for every platform', () => {
    const single = VersionManifest.parse({ version: '1.4.0', file: 'Aether-1.4.0.zip', sha256: hex('d'), size: 5 });
    for (const target of ['darwin-arm64', 'linux-x64', 'win32-x64'] as const)
      expect(releaseForTarget(single, target)?.file).toBe('Aether-1.4.0.zip');
  });

  it('refuses a per-platform file with no build, an unknown target or a path as a file name', () => {
    expect(VersionManifest.safeParse({ version: '1.5.0', builds: {} }).success).toBe(false);
    expect(
      VersionManifest.safeParse({ version: '1.5.0', builds: { 'amiga-m68k': MULTI.builds['linux-x64'] } }).success,
    ).toBe(false);
    expect(
      VersionManifest.safeParse({
        version: '1.5.0',
        builds: { 'linux-x64': { ...MULTI.builds['linux-x64'], file: '../../etc/passwd' } },
      }).success,
    ).toBe(false);
    expect(VersionManifest.safeParse({ ...MULTI, rollout_percent: 101 }).success).toBe(false);
  });

  it('names the build target from the platform value and architecture', () => {
    expect(buildTargetFor('darwin', 'arm64')).toBe('darwin-arm64');
    expect(buildTargetFor('darwin', 'x64')).toBe('darwin-x64');
    expect(buildTargetFor('linux', 'ia32')).toBe('linux-x64');
    expect(buildTargetFor('win32', 'x64')).toBe('win32-x64');
  });
});

describe('rollback and rollout rings', () => {
  const release = (fields: Record<string, unknown>) =>
    VersionManifest.parse({ version: '1.5.0', file: 'a.zip', sha256: hex('e'), size: 1, ...fields }) as never;

  it('a plain lower version is refused; an explicit rollback takes laptops on the version it replaces', () => {
    expect(ineligibility(release({}), '1.6.0', 'lectern-a')).toMatch(
      /downgrades are refused unless published with release --rollback/,
    );
    expect(ineligibility(release({ rollback_of: '1.6.0' }), '1.6.0', 'lectern-a')).toBeNull();
    expect(isRollbackFor(release({ rollback_of: '1.6.0' }), '1.5.5')).toBe(true);
    // A laptop already past the bad version, or at the target, keeps what it runs.
    expect(ineligibility(release({ rollback_of: '1.6.0' }), '1.7.0', 'lectern-a')).toMatch(
      /rolls back 1\.6\.0, not 1\.7\.0/,
    );
    expect(ineligibility(release({ rollback_of: '1.6.0' }), '1.5.0', 'lectern-a')).toMatch(/already running/);
    // A rollback still honours rings and min_version.
    expect(ineligibility(release({ rollback_of: '1.6.0', only_hosts: ['lectern-b'] }), '1.6.0', 'lectern-a')).toMatch(
      /canary/,
    );
  });

  it('the rollout bucket is a stable hash of the hostname, evenly spread, and a wider ring only adds laptops', () => {
    const hosts = Array.from({ length: 2_000 }, (_, i) => `lectern-${i}`);
    const buckets = hosts.map(rolloutBucket);
    expect(hosts.map(rolloutBucket)).toEqual(buckets);
    expect(buckets.every((b) => Number.isInteger(b) && b >= 0 && b < 100)).toBe(true);
    const inRing = (percent: number) =>
      new Set(
        hosts.filter(
          (h) => ineligibility(release({ version: '1.7.0', rollout_percent: percent }), '1.5.0', h) === null,
        ),
      );
    const ten = inRing(10);
    const fifty = inRing(50);
    expect(ten.size).toBeGreaterThan(120);
    expect(ten.size).toBeLessThan(280);
    for (const host of ten) expect(fifty.has(host)).toBe(true);
    expect(inRing(0).size).toBe(0);
    expect(inRing(100).size).toBe(hosts.length);
    const outside = hosts.find((h) => !ten.has(h))!;
    expect(ineligibility(release({ version: '1.7.0', rollout_percent: 10 }), '1.5.0', outside)).toMatch(
      /rolling out to 10 % of laptops/,
    );
  });
});

describe('the version watcher picks its own build from a per-platform version.json', () => {
  async function watch(target: BuildTarget, appVersion = '1.0.0') {
    const share = await cleanups.tempDir('vw-platform');
    const dir = await nativeAppDir(share);
    const recorder = recordingStage();
    const watcher = createVersionWatcher({
      shareRoot: share,
      appVersion,
      hostname: 'lectern-a',
      target,
      logger: silentLogger(),
      stage: recorder.stage,
      applyStagedUpdate: async () => undefined,
      watch: { debounceMs: 40 },
    });
    cleanups.push(() => watcher.close());
    await watcher.start();
    return { dir, watcher, recorder };
  }

  it('stages the linux build on linux-x64 and only waits for that one', async () => {
    const { dir, watcher, recorder } = await watch('linux-x64');
    const linux = Buffer.from('linux build bytes');
    const mac = Buffer.from('mac build bytes, never synced to this laptop');
    await writeFile(path.join(dir, 'Aether-1.5.0-linux-x64.AppImage'), linux);
    await dropVersion(dir, {
      version: '1.5.0',
      builds: {
        'darwin-arm64': { file: 'Aether-1.5.0-mac-arm64.zip', sha256: sha256(mac), size: mac.length },
        'linux-x64': { file: 'Aether-1.5.0-linux-x64.AppImage', sha256: sha256(linux), size: linux.length },
      },
    });
    await waitFor('staged', () => watcher.status().state.kind === 'staged');
    expect(recorder.calls.map((c) => c.build.release.file)).toEqual(['Aether-1.5.0-linux-x64.AppImage']);
  });

  it('says why it ignores a release without a build for its platform', async () => {
    const { dir, watcher, recorder } = await watch('win32-x64');
    await dropVersion(dir, MULTI);
    await waitFor('idle with a note', () => {
      const state = watcher.status().state;
      return state.kind === 'idle' && state.note === '1.5.0 in the share has no build for win32-x64';
    });
    expect(recorder.calls).toHaveLength(0);
  });

  it('goes down to an explicit rollback, and ignores a plain lower version', async () => {
    const { dir, watcher, recorder } = await watch('linux-x64', '1.6.0');
    const build = Buffer.from('the 1.5.0 build again');
    await writeFile(path.join(dir, 'Aether-1.5.0.AppImage'), build);
    await dropVersion(dir, {
      version: '1.5.0',
      file: 'Aether-1.5.0.AppImage',
      sha256: sha256(build),
      size: build.length,
    });
    await waitFor('idle refusing the downgrade', () => {
      const state = watcher.status().state;
      return state.kind === 'idle' && /downgrades are refused/.test(state.note ?? '');
    });
    expect(recorder.calls).toHaveLength(0);
    await dropVersion(dir, {
      version: '1.5.0',
      file: 'Aether-1.5.0.AppImage',
      sha256: sha256(build),
      size: build.length,
      rollback_of: '1.6.0',
    });
    await waitFor('staged rollback', () => watcher.status().state.kind === 'staged');
    expect(recorder.calls.map((c) => c.build.release.version)).toEqual(['1.5.0']);
  });
});
