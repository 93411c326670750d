import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../base/logger';
import {
  applyStagedUpdate,
  helperSwapArgs,
  swapFilesIn,
  UpdateApplyError,
  type ApplyStagedUpdateDeps,
} from '../update-helper/apply-update';
import {
  formatHealthMarker,
  parseHealthMarker,
  readHealthMarker,
  writeHealthMarker,
} from '../update-helper/health-marker';
import { repairInterruptedSwap } from '../update-helper/startup-repair';
import { createBundle, STAND_IN_EXECUTABLE, wholeBundleVersion } from './fixtures/stand-in-bundle';
import {
  HELPER_SCRIPT,
  journalState,
  readText,
  runningStandIns,
  startHelper,
  startInstance,
  swapArgs,
  waitFor,
  useSandbox,
} from './fixtures/helper-sandbox';

const s = useSandbox();

beforeEach(() => {
  process.env.AETHER_STANDIN_MARKER = s.marker;
  process.env.AETHER_STANDIN_PIDS = s.pids;
});

function manifest(overrides: Record<string, unknown> = {}) {
  return {
    format: 1,
    version: '2.0.0',
    from_version: '1.0.0',
    staged_path: s.staged,
    install_path: s.installed,
    source_file: 'Aether-2.0.0-linux-x64.zip',
    sha256: 'a'.repeat(64),
    kind: 'directory',
    staged_at: '2026-11-22T10:00:00Z',
    ...overrides,
  };
}

function deps(overrides: Partial<ApplyStagedUpdateDeps> = {}): ApplyStagedUpdateDeps {
  return {
    platform: 'linux',
    helperScript: HELPER_SCRIPT,
    stateDir: s.stateDir,
    executableName: STAND_IN_EXECUTABLE,
    spawn,
    quit: () => undefined,
    logger: silentLogger(),
    timeouts: { exitSeconds: 10, healthSeconds: 5, maxAttempts: 3 },
    ...overrides,
  };
}

describe('applyStagedUpdate', () => {
  it('starts the helper from outside the bundle, quits, and the helper swaps once the app has exited', async () => {
    await createBundle(s.installed, { version: '1.0.0' });
    await createBundle(s.staged, { version: '2.0.0' });
    const running = startInstance(s);
    await waitFor(async () => (await runningStandIns(s)).includes(running.pid!), 'the running app');
    const quit = vi.fn(() => running.kill('SIGTERM'));

    await applyStagedUpdate(manifest(), deps({ quit }));

    expect(quit).toHaveBeenCalledOnce();
    const copy = path.join(swapFilesIn(s.stateDir).helperRunDir, 'update_helper.sh');
    expect((await fs.stat(copy)).mode & 0o777).toBe(0o755);
    await waitFor(async () => (await journalState(s)) === 'committed', 'the swap to commit');
    expect(await wholeBundleVersion(s.installed)).toBe('2.0.0');
    expect(await wholeBundleVersion(s.backup)).toBe('1.0.0');
    expect((await readHealthMarker(s.marker))?.version).toBe('2.0.0');
  });

  it.each([
    ['an invalid manifest', () => manifest({ staged_path: 'relative/Aether.app' }), {}, 'invalid-manifest'],
    ['Windows', () => manifest(), { platform: 'win32' as const }, 'unsupported-platform'],
    ['a missing helper script', () => manifest(), { helperScript: '/nonexistent/update_helper.sh' }, 'helper-missing'],
  ])('refuses %s with a typed error and does not quit', async (_name, input, extra, code) => {
    const quit = vi.fn();
    const spawnSpy = vi.fn(spawn);
    const error = await applyStagedUpdate(input(), deps({ quit, spawn: spawnSpy, ...extra })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpdateApplyError);
    expect((error as UpdateApplyError).code).toBe(code);
    expect(quit).not.toHaveBeenCalled();
    expect(spawnSpy).not.toHaveBeenCalled();
  });

  it('launches a macOS bundle through open and an AppImage directly', () => {
    const mac = helperSwapArgs(manifest({ kind: 'macos-app' }) as never, { ...deps(), platform: 'darwin' });
    expect(mac.slice(mac.indexOf('--') + 1)).toEqual(['/usr/bin/open', '-n', s.installed]);
    const appImage = helperSwapArgs(manifest({ kind: 'appimage' }) as never, deps());
    expect(appImage.slice(appImage.indexOf('--') + 1)).toEqual([s.installed]);
    expect(appImage).toContain(`--backup=${s.backup}`);
  });
});

async function killHelperAt(at: string): Promise<void> {
  await createBundle(s.installed, { version: '1.0.0' });
  await createBundle(s.staged, { version: '2.0.0' });
  const helper = startHelper(swapArgs(s, { healthTimeout: 5 }), { AETHER_HELPER_PAUSE_AT: at });
  await waitFor(async () => (await readText(s.log)).includes(`paused at ${at}`), `the helper to park at ${at}`);
  helper.child.kill('SIGKILL');
  await helper.exited;
}

describe('repairInterruptedSwap at app start', () => {
  it('does nothing without a journal, and reports a finished swap', async () => {
    expect(
      await repairInterruptedSwap({ stateDir: s.stateDir, helperScript: HELPER_SCRIPT, spawn, logger: silentLogger() }),
    ).toEqual({ kind: 'no-swap' });
    await fs.writeFile(
      s.journal,
      `state=committed\ninstalled=${s.installed}\nbackup=${s.backup}\nexpect_version=2.0.0\n`,
    );
    expect(
      await repairInterruptedSwap({ stateDir: s.stateDir, helperScript: HELPER_SCRIPT, spawn, logger: silentLogger() }),
    ).toEqual({ kind: 'finished', state: 'committed', version: '2.0.0' });
  });

  it('leaves the app alone when the journal is unreadable', async () => {
    await fs.writeFile(s.journal, 'garbage\n');
    expect(
      await repairInterruptedSwap({ stateDir: s.stateDir, helperScript: HELPER_SCRIPT, spawn, logger: silentLogger() }),
    ).toEqual({ kind: 'unreadable-journal' });
  });

  it('puts the old bundle back when the helper died between the two renames', async () => {
    await killHelperAt('moving-old-aside:done');
    await expect(fs.stat(s.installed)).rejects.toThrow(/ENOENT/);
    const result = await repairInterruptedSwap({
      stateDir: s.stateDir,
      helperScript: HELPER_SCRIPT,
      spawn,
      logger: silentLogger(),
    });
    expect(result).toMatchObject({ kind: 'recovery-started', state: 'moving-old-aside' });
    await waitFor(async () => (await journalState(s)) === 'aborted', 'the recovery to finish');
    expect(await wholeBundleVersion(s.installed)).toBe('1.0.0');
  });

  it('when the unconfirmed new version is the app starting, waits for its own health marker instead of launching a second one', async () => {
    await killHelperAt('awaiting-health:journaled');
    const app = startInstance(s);
    await repairInterruptedSwap({ stateDir: s.stateDir, helperScript: HELPER_SCRIPT, spawn, logger: silentLogger() });
    await waitFor(async () => (await journalState(s)) === 'committed', 'the recovery to commit');
    expect(await runningStandIns(s)).toEqual([app.pid]);
    expect(await wholeBundleVersion(s.installed)).toBe('2.0.0');
  });
});

describe('health marker', () => {
  it('round-trips and refuses a version that would break the line format', () => {
    const marker = { version: '2.0.0-beta.1', pid: 42, startedAt: '2026-11-22T10:00:00.000Z' };
    expect(parseHealthMarker(formatHealthMarker(marker))).toEqual(marker);
    expect(() => formatHealthMarker({ ...marker, version: '2.0.0\nversion=9' })).toThrow(/single line/);
    expect(parseHealthMarker('pid=1\n')).toBeNull();
  });

  it('is what the real helper waits for', async () => {
    expect(await readHealthMarker(s.marker)).toBeNull();
    await createBundle(s.installed, { version: '1.0.0' });
    await createBundle(s.staged, { version: '2.0.0', behaviour: 'hang' });
    const helper = startHelper(swapArgs(s, { healthTimeout: 20 }));
    await waitFor(async () => (await runningStandIns(s)).length === 1, 'the new app to start');
    await writeHealthMarker(s.marker, { version: '2.0.0' });
    expect(await helper.exited).toBe(0);
    expect(await journalState(s)).toBe('committed');
  });
});
