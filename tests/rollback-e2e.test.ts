import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { execFileRunner } from '../base/command-runner';
import { silentLogger } from '../base/logger';
import { main } from '../apps/cli/main';
import { applyStagedUpdate } from '../update-helper/apply-update';
import { readHealthMarker } from '../update-helper/health-marker';
import { stageBuild } from '../update-helper/staging';
import { createVersionWatcher } from '../update-helper/version-watcher';
import { captureIo } from './cli-io-helpers';
import { createBundle, STAND_IN_EXECUTABLE, wholeBundleVersion } from './fixtures/stand-in-bundle';
import {
  HELPER_SCRIPT,
  journalState,
  runningStandIns,
  startInstance,
  useSandbox,
  waitFor,
} from './fixtures/helper-sandbox';
import { useCleanups } from './support/cleanups';

/**
 * A real rollback, end to end: ops publish 1.5.0 with `release --rollback` over 1.6.0; the laptop's
 * version watcher (running 1.6.0) verifies and stages it with the real staging, and the real swap
 * helper swaps the installed bundle back to 1.5.0, which reports healthy.
 */
const s = useSandbox();
const cleanups = useCleanups();

beforeEach(() => {
  process.env.AETHER_STANDIN_MARKER = s.marker;
  process.env.AETHER_STANDIN_PIDS = s.pids;
});

async function tarball(version: string, into: string): Promise<string> {
  const bundleRoot = path.join(s.root, `build-${version}`);
  await createBundle(path.join(bundleRoot, 'Aether.app'), { version });
  const file = path.join(into, `Aether-${version}-linux-x64.tar.gz`);
  execFileSync('tar', ['-czf', file, '-C', bundleRoot, 'Aether.app']);
  return file;
}

describe('rollback through the real staging and swap helper', () => {
  it('takes a laptop on 1.6.0 down to 1.5.0 once ops publish it with --rollback, and only then', async () => {
    const share = path.join(s.root, 'share');
    const builds = path.join(s.root, 'builds');
    await fs.mkdir(builds, { recursive: true });
    await fs.mkdir(share, { recursive: true });
    await createBundle(s.installed, { version: '1.6.0' });
    expect(await main(['release', '--share', share, '--file', await tarball('1.6.0', builds)], captureIo())).toBe(0);
    const older = await tarball('1.5.0', builds);
    const plain = captureIo();
    expect(await main(['release', '--share', share, '--file', older], plain)).toBe(1);
    expect(plain.err()).toContain('Use --rollback');

    const running = startInstance(s);
    await waitFor(async () => (await runningStandIns(s)).includes(running.pid!), 'the running 1.6.0 app');
    const watcher = createVersionWatcher({
      shareRoot: share,
      appVersion: '1.6.0',
      hostname: 'lectern-a',
      target: 'linux-x64',
      logger: silentLogger(),
      stage: (build, signal) =>
        stageBuild(
          {
            platform: 'linux',
            installPath: s.installed,
            appVersion: '1.6.0',
            run: execFileRunner(),
            logger: silentLogger(),
          },
          build,
          signal,
        ),
      applyStagedUpdate: (manifest) =>
        applyStagedUpdate(manifest, {
          platform: 'linux',
          helperScript: HELPER_SCRIPT,
          stateDir: s.stateDir,
          executableName: STAND_IN_EXECUTABLE,
          spawn,
          quit: () => running.kill('SIGTERM'),
          logger: silentLogger(),
          timeouts: { exitSeconds: 10, healthSeconds: 10, maxAttempts: 3 },
        }),
      watch: { debounceMs: 40 },
    });
    cleanups.push(() => watcher.close());
    await watcher.start();
    // 1.6.0 is what it runs: nothing to do.
    await waitFor(async () => watcher.status().state.kind === 'idle' || undefined, 'idle on its own version');

    const rollback = captureIo();
    expect(await main(['release', '--share', share, '--file', older, '--rollback'], rollback)).toBe(0);
    await waitFor(
      async () => {
        const state = watcher.status().state;
        return (state.kind === 'staged' && state.version === '1.5.0') || undefined;
      },
      `the rollback staged (now ${JSON.stringify(watcher.status().state)})`,
    );
    const staged = JSON.parse(
      await fs.readFile(path.join(path.dirname(s.installed), '.aether-staged', 'staged.json'), 'utf8'),
    ) as { version: string; from_version: string; sha256: string };
    expect(staged).toMatchObject({
      version: '1.5.0',
      from_version: '1.6.0',
      sha256: createHash('sha256')
        .update(await fs.readFile(older))
        .digest('hex'),
    });

    await watcher.apply();
    await waitFor(
      async () => ((await journalState(s)) === 'committed' ? true : undefined),
      'the swap to commit',
      30_000,
    );
    expect(await wholeBundleVersion(s.installed)).toBe('1.5.0');
    expect((await readHealthMarker(s.marker))?.version).toBe('1.5.0');
  }, 60_000);
});
