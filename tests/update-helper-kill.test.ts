import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBundle, wholeBundleVersion, type StandInBehaviour } from './fixtures/stand-in-bundle';
import {
  journalState,
  readText,
  runHelper,
  startHelper,
  swapArgs,
  waitFor,
  useSandbox,
} from './fixtures/helper-sandbox';

const s = useSandbox();

interface KillPoint {
  at: string;
  newBehaviour: StandInBehaviour;
  /** The two renames are separate: at these points the installed path is empty until recovery. */
  installedMissingAtKill?: boolean;
  recoveredVersion: '1.0.0' | '2.0.0';
  finalState: 'aborted' | 'committed' | 'rolled-back';
  recoverExit: number;
}

const KILL_POINTS: KillPoint[] = [
  {
    at: 'preparing:journaled',
    newBehaviour: 'healthy',
    recoveredVersion: '1.0.0',
    finalState: 'aborted',
    recoverExit: 7,
  },
  { at: 'preparing:done', newBehaviour: 'healthy', recoveredVersion: '1.0.0', finalState: 'aborted', recoverExit: 7 },
  {
    at: 'moving-old-aside:journaled',
    newBehaviour: 'healthy',
    recoveredVersion: '1.0.0',
    finalState: 'aborted',
    recoverExit: 7,
  },
  {
    at: 'moving-old-aside:done',
    newBehaviour: 'healthy',
    installedMissingAtKill: true,
    recoveredVersion: '1.0.0',
    finalState: 'aborted',
    recoverExit: 7,
  },
  {
    at: 'moving-new-in:journaled',
    newBehaviour: 'healthy',
    installedMissingAtKill: true,
    recoveredVersion: '1.0.0',
    finalState: 'aborted',
    recoverExit: 7,
  },
  {
    at: 'moving-new-in:done',
    newBehaviour: 'healthy',
    recoveredVersion: '2.0.0',
    finalState: 'committed',
    recoverExit: 0,
  },
  {
    at: 'awaiting-health:journaled',
    newBehaviour: 'healthy',
    recoveredVersion: '2.0.0',
    finalState: 'committed',
    recoverExit: 0,
  },
  {
    at: 'awaiting-health:launched',
    newBehaviour: 'healthy',
    recoveredVersion: '2.0.0',
    finalState: 'committed',
    recoverExit: 0,
  },
  {
    at: 'committed:journaled',
    newBehaviour: 'healthy',
    recoveredVersion: '2.0.0',
    finalState: 'committed',
    recoverExit: 0,
  },
  {
    at: 'awaiting-health:launched',
    newBehaviour: 'crash',
    recoveredVersion: '1.0.0',
    finalState: 'rolled-back',
    recoverExit: 3,
  },
  {
    at: 'rolling-back:journaled',
    newBehaviour: 'crash',
    recoveredVersion: '1.0.0',
    finalState: 'rolled-back',
    recoverExit: 3,
  },
  {
    at: 'rolling-back:new-aside',
    newBehaviour: 'crash',
    installedMissingAtKill: true,
    recoveredVersion: '1.0.0',
    finalState: 'rolled-back',
    recoverExit: 3,
  },
  {
    at: 'rolled-back:journaled',
    newBehaviour: 'crash',
    recoveredVersion: '1.0.0',
    finalState: 'rolled-back',
    recoverExit: 0,
  },
];

async function markerVersion(): Promise<string> {
  return /^version=(.*)$/m.exec(await readText(s.marker))?.[1] ?? '';
}

/** Runs a swap parked at `at`, SIGKILLs the helper there, and returns what the installed path held at that moment. */
async function killHelperAt(at: string, newBehaviour: StandInBehaviour): Promise<string> {
  await createBundle(s.installed, { version: '1.0.0' });
  await createBundle(s.staged, { version: '2.0.0', behaviour: newBehaviour });
  const helper = startHelper(swapArgs(s, { healthTimeout: 2 }), { AETHER_HELPER_PAUSE_AT: at });
  await waitFor(async () => (await readText(s.log)).includes(`paused at ${at}`), `the helper to park at ${at}`);
  helper.child.kill('SIGKILL');
  await helper.exited;
  return wholeBundleVersion(s.installed).catch((err: Error) => `not whole: ${err.message}`);
}

function recoverArgs(): string[] {
  return ['--recover', `--journal=${s.journal}`];
}

describe('update_helper.sh killed with SIGKILL after each step', () => {
  it.each(KILL_POINTS)(
    '$at with a $newBehaviour new bundle: recovery leaves a whole $recoveredVersion',
    async (point) => {
      const atKill = await killHelperAt(point.at, point.newBehaviour);
      if (point.installedMissingAtKill) expect(atKill).toMatch(/ENOENT/);
      else expect(['1.0.0', '2.0.0']).toContain(atKill);

      expect(await runHelper(recoverArgs())).toBe(point.recoverExit);
      expect(await wholeBundleVersion(s.installed)).toBe(point.recoveredVersion);
      expect(await journalState(s)).toBe(point.finalState);
      const other = point.recoveredVersion === '1.0.0' ? s.staged : s.backup;
      expect(await wholeBundleVersion(other)).not.toBe(point.recoveredVersion);
      const leftovers = (await fs.readdir(path.dirname(s.backup))).filter((n) => n.includes('.discard.'));
      expect(leftovers).toEqual([]);
      await waitFor(
        async () => (await markerVersion()) === point.recoveredVersion,
        `version ${point.recoveredVersion} running again`,
      );
    },
  );

  it('a second recovery after a finished one changes nothing', async () => {
    await killHelperAt('moving-old-aside:done', 'healthy');
    expect(await runHelper(recoverArgs())).toBe(7);
    expect(await runHelper(recoverArgs())).toBe(0);
    expect(await wholeBundleVersion(s.installed)).toBe('1.0.0');
  });

  it('recovery leaves a helper that is still alive alone', async () => {
    await createBundle(s.installed, { version: '1.0.0' });
    await createBundle(s.staged, { version: '2.0.0' });
    const helper = startHelper(swapArgs(s), { AETHER_HELPER_PAUSE_AT: 'moving-old-aside:done' });
    await waitFor(
      async () => (await readText(s.log)).includes('paused at moving-old-aside:done'),
      'the helper to park',
    );
    expect(await runHelper(recoverArgs())).toBe(8);
    expect(await readText(s.log)).toContain(`helper ${helper.child.pid} is still working`);
    await expect(fs.stat(s.installed)).rejects.toThrow(/ENOENT/);
    helper.child.kill('SIGKILL');
    await helper.exited;
    expect(await runHelper(recoverArgs())).toBe(7);
    expect(await wholeBundleVersion(s.installed)).toBe('1.0.0');
  });

  it('the next swap repairs a half-done one before it starts, then completes', async () => {
    await killHelperAt('moving-new-in:journaled', 'healthy');
    await fs.rm(s.marker, { force: true });
    expect(await runHelper(swapArgs(s))).toBe(0);
    expect(await wholeBundleVersion(s.installed)).toBe('2.0.0');
    expect(await wholeBundleVersion(s.backup)).toBe('1.0.0');
    expect(await readText(s.log)).toContain('interrupted between the two renames');
  });
});
