import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCleanups } from './support/cleanups';
import { RUN_DIR_PREFIX, watchForLeftovers } from './support/no-leftovers.global';

const cleanups = useCleanups();

describe('the suite leaves nothing behind in the temp folder', () => {
  it('gives every test, and every child it starts, the run’s own temp folder', () => {
    expect(path.basename(os.tmpdir())).toMatch(new RegExp(`^${RUN_DIR_PREFIX}`));
    const childTmp = execFileSync(process.execPath, ['-p', 'require("node:os").tmpdir()'], { encoding: 'utf8' }).trim();
    expect(childTmp).toBe(os.tmpdir());
  });

  it('names what a run left, removes it, and fails the run; tool caches are not leftovers', async () => {
    const systemTmp = await cleanups.tempDir('system-tmp');
    const outerTmp = process.env.TMPDIR;
    const watch = watchForLeftovers(systemTmp);
    expect(os.tmpdir()).toBe(watch.runDir);
    mkdirSync(path.join(watch.runDir, 'aether-forgotten-x1'));
    writeFileSync(path.join(watch.runDir, 'stray.log'), '');
    mkdirSync(path.join(watch.runDir, 'tsx-0'));
    mkdirSync(path.join(systemTmp, 'aether-ignores-tmpdir-y2'));

    const { report, fatal } = watch.finish();

    expect(fatal).toBe(true);
    expect(report).toContain('left 2 entries');
    expect(report).toContain('  aether-forgotten-x1\n  stray.log');
    expect(report).not.toContain('tsx-0');
    expect(report).toContain(
      `that ignore TMPDIR (not removed):\n  ${path.join(systemTmp, 'aether-ignores-tmpdir-y2')}`,
    );
    expect(existsSync(watch.runDir)).toBe(false);
    expect(process.env.TMPDIR).toBe(outerTmp);
  });

  it('says nothing when a run cleaned up after itself', async () => {
    const watch = watchForLeftovers(await cleanups.tempDir('system-tmp'));
    mkdirSync(path.join(watch.runDir, 'aether-tidy'));
    execFileSync('rm', ['-r', path.join(watch.runDir, 'aether-tidy')]);
    expect(watch.finish()).toEqual({ report: null, fatal: false });
  });
});
