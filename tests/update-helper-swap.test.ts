import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  appImageVersion,
  createAppImage,
  createBundle,
  wholeBundleVersion,
  type StandInBehaviour,
} from './fixtures/stand-in-bundle';
import {
  createSandbox,
  destroySandbox,
  isAlive,
  journalState,
  readText,
  runHelper,
  runningStandIns,
  startHelper,
  startInstance,
  swapArgs,
  waitFor,
  useSandbox,
} from './fixtures/helper-sandbox';

const s = useSandbox();

async function installOldAndStageNew(newBehaviour: StandInBehaviour): Promise<void> {
  await createBundle(s.installed, { version: '1.0.0' });
  await createBundle(s.staged, { version: '2.0.0', behaviour: newBehaviour });
}

/** What the app does after starting the helper: quit, here by killing every stand-in still running. */
async function quitApp(): Promise<void> {
  for (const pid of await runningStandIns(s)) process.kill(pid, 'SIGKILL');
  await waitFor(async () => (await runningStandIns(s)).length === 0, 'the app to quit');
}

async function markerVersion(): Promise<string> {
  return /^version=(.*)$/m.exec(await readText(s.marker))?.[1] ?? '';
}

describe('update_helper.sh swap', () => {
  it('swaps in a healthy new bundle, keeps the old one as backup and commits', async () => {
    await installOldAndStageNew('healthy');
    expect(await runHelper(swapArgs(s))).toBe(0);
    expect(await wholeBundleVersion(s.installed)).toBe('2.0.0');
    expect(await wholeBundleVersion(s.backup)).toBe('1.0.0');
    await expect(fs.stat(s.staged)).rejects.toThrow(/ENOENT/);
    expect(await journalState(s)).toBe('committed');
    expect(await markerVersion()).toBe('2.0.0');
    const log = await readText(s.log);
    for (const step of ['preparing', 'moving-old-aside', 'moving-new-in', 'awaiting-health', 'committed'])
      expect(log).toContain(`step: ${step}`);
  });

  it('rolls back and relaunches the old bundle when the new one crashes at start', async () => {
    await installOldAndStageNew('crash');
    await fs.writeFile(s.marker, 'version=1.0.0\npid=1\n');
    expect(await runHelper(swapArgs(s))).toBe(3);
    expect(await wholeBundleVersion(s.installed)).toBe('1.0.0');
    expect(await wholeBundleVersion(s.staged)).toBe('2.0.0');
    expect(await journalState(s)).toBe('rolled-back');
    expect(await markerVersion()).toBe('1.0.0');
    expect(await readText(s.log)).toContain('previous version 1.0.0 is running again');
  });

  it('rolls back on timeout and stops the new bundle that hangs without reporting healthy', async () => {
    await installOldAndStageNew('hang');
    expect(await runHelper(swapArgs(s))).toBe(3);
    expect(await wholeBundleVersion(s.installed)).toBe('1.0.0');
    expect(await readText(s.log)).toMatch(/no health marker for version 2\.0\.0 within 3s/);
    expect(await markerVersion()).toBe('1.0.0');
    const [relaunched, ...others] = await runningStandIns(s);
    expect(others).toEqual([]);
    expect(/^pid=(\d+)$/m.exec(await readText(s.marker))?.[1]).toBe(String(relaunched));
  });

  it('rolls back when the new bundle reports another version', async () => {
    await installOldAndStageNew('wrong-version');
    expect(await runHelper(swapArgs(s))).toBe(3);
    expect(await wholeBundleVersion(s.installed)).toBe('1.0.0');
    expect(await readText(s.log)).toContain('health marker reports version 0.0.0-wrong, expected 2.0.0');
  });

  it('waits for the running instance to exit before touching the installed path', async () => {
    await installOldAndStageNew('healthy');
    const instance = startInstance(s);
    await waitFor(async () => (await runningStandIns(s)).includes(instance.pid!), 'the old instance');
    const helper = startHelper(swapArgs(s, { exitTimeout: 20 }));
    await waitFor(async () => (await readText(s.log)).includes('step: preparing'), 'the helper to start waiting');
    await new Promise((r) => setTimeout(r, 500));
    expect(await wholeBundleVersion(s.installed)).toBe('1.0.0');
    expect(await wholeBundleVersion(s.staged)).toBe('2.0.0');
    instance.kill('SIGKILL');
    expect(await helper.exited).toBe(0);
    expect(await wholeBundleVersion(s.installed)).toBe('2.0.0');
  });

  it('gives up without changing anything when the app never exits', async () => {
    await installOldAndStageNew('healthy');
    const instance = startInstance(s);
    await waitFor(async () => (await runningStandIns(s)).includes(instance.pid!), 'the old instance');
    expect(await runHelper(swapArgs(s, { exitTimeout: 1 }))).toBe(5);
    expect(isAlive(instance.pid!)).toBe(true);
    expect(await wholeBundleVersion(s.installed)).toBe('1.0.0');
    expect(await wholeBundleVersion(s.staged)).toBe('2.0.0');
    expect(await journalState(s)).toBe('aborted');
    expect(await readText(s.log)).toContain(`the app is still running from '${s.installed}' after 1s`);
  });

  it('stops retrying a swap that keeps failing once the attempt counter is spent', async () => {
    await installOldAndStageNew('crash');
    const args = swapArgs(s, { healthTimeout: 1, maxAttempts: 2 });
    expect(await runHelper(args)).toBe(3);
    await quitApp();
    expect(await runHelper(args)).toBe(3);
    await quitApp();
    expect(await runHelper(args)).toBe(4);
    expect(await readText(s.log)).toContain('giving up on version 2.0.0 after 2 attempts');
    expect(await wholeBundleVersion(s.installed)).toBe('1.0.0');
    expect(await wholeBundleVersion(s.staged)).toBe('2.0.0');
  });

  it('replaces an earlier backup only after the new swap starts, and leaves no discarded copies', async () => {
    await installOldAndStageNew('healthy');
    await createBundle(s.backup, { version: '0.9.0' });
    expect(await runHelper(swapArgs(s))).toBe(0);
    expect(await wholeBundleVersion(s.backup)).toBe('1.0.0');
    const siblings = await fs.readdir(path.dirname(s.backup));
    expect(siblings).toEqual([path.basename(s.backup)]);
  });

  it('gives the new bundle readable, non-writable-by-others permissions before it goes live', async () => {
    await installOldAndStageNew('healthy');
    const payload = path.join(s.staged, 'Contents', 'Resources', 'payload');
    await fs.chmod(path.join(payload, 'part-0.bin'), 0o600);
    await fs.chmod(path.join(payload, 'part-1.bin'), 0o666);
    await fs.chmod(payload, 0o700);
    expect(await runHelper(swapArgs(s))).toBe(0);
    const live = path.join(s.installed, 'Contents', 'Resources', 'payload');
    expect((await fs.stat(path.join(live, 'part-0.bin'))).mode & 0o777).toBe(0o644);
    expect((await fs.stat(path.join(live, 'part-1.bin'))).mode & 0o777).toBe(0o644);
    expect((await fs.stat(live)).mode & 0o777).toBe(0o755);
    expect((await fs.stat(path.join(s.installed, 'Contents', 'MacOS', 'aether'))).mode & 0o777).toBe(0o755);
  });

  it('refuses to start without the staged bundle, or with a relative path, and touches nothing', async () => {
    await createBundle(s.installed, { version: '1.0.0' });
    expect(await runHelper(swapArgs(s))).toBe(6);
    expect(await readText(s.log)).toContain(`nothing is staged at '${s.staged}'`);
    const relative = swapArgs(s).map((a) => (a.startsWith('--staged=') ? '--staged=Aether.app' : a));
    const run = startHelper(relative);
    expect(await run.exited).toBe(2);
    expect(await wholeBundleVersion(s.installed)).toBe('1.0.0');
  });
});

describe('update_helper.sh with a Linux AppImage file', () => {
  beforeEach(async () => {
    await destroySandbox(s);
    Object.assign(s, await createSandbox('Aether.AppImage'));
  });

  it('swaps the file in, makes it executable and keeps the old file as backup', async () => {
    await createAppImage(s.installed, '1.0.0');
    await createAppImage(s.staged, '2.0.0');
    expect(await runHelper(swapArgs(s, { appImage: true }))).toBe(0);
    expect(await appImageVersion(s.installed)).toBe('2.0.0');
    expect((await fs.stat(s.installed)).mode & 0o777).toBe(0o755);
    expect(await appImageVersion(s.backup)).toBe('1.0.0');
  });

  it('restores the old file when the new one crashes', async () => {
    await createAppImage(s.installed, '1.0.0');
    await createAppImage(s.staged, '2.0.0', 'crash');
    expect(await runHelper(swapArgs(s, { appImage: true, healthTimeout: 1 }))).toBe(3);
    expect(await appImageVersion(s.installed)).toBe('1.0.0');
    expect(await appImageVersion(s.staged)).toBe('2.0.0');
  });
});
