import { mkdir, readFile, readdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { createScreenshotWriter } from '../update-helper/screenshot-writer';
import { useCleanups } from './support/cleanups';

const cleanups = useCleanups();
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

async function setup(capture: () => Promise<Buffer | null> = async () => PNG) {
  const share = await cleanups.tempDir('screens');
  let clock = 0;
  let captures = 0;
  const writer = createScreenshotWriter({
    shareRoot: share,
    hostname: 'lectern-a',
    logger: silentLogger(),
    now: () => clock,
    capture: async () => ((captures += 1), capture()),
  });
  return { share, writer, advance: (ms: number) => (clock += ms), captures: () => captures };
}

describe('kiosk screenshots next to the status file', () => {
  it('are off unless the device record asks, and then written at most every N minutes', async () => {
    const { share, writer, advance, captures } = await setup();
    await mkdir(path.join(share, 'status'));
    expect(await writer.maybeCapture(null)).toBeNull();
    expect(captures()).toBe(0);
    const every = 5 * 60_000;
    expect(await writer.maybeCapture(every)).toBe('lectern-a.png');
    for (let i = 0; i < 10; i++) {
      advance(20_000);
      await writer.maybeCapture(every);
    }
    expect(captures()).toBe(1);
    advance(every);
    await writer.maybeCapture(every);
    expect(captures()).toBe(2);
    expect(writer.written()).toBe(2);
    expect(await readFile(path.join(share, 'status', 'lectern-a.png'))).toEqual(PNG);
    expect((await readdir(path.join(share, 'status'))).sort()).toEqual(['lectern-a.png']);
  });

  it('never writes through a symlinked status folder, and refuses an oversized image', async () => {
    const linked = await setup();
    const elsewhere = await cleanups.tempDir('elsewhere');
    await symlink(elsewhere, path.join(linked.share, 'status'));
    expect(await linked.writer.maybeCapture(60_000)).toBeNull();
    expect(await readdir(elsewhere)).toEqual([]);

    const big = await setup(async () => Buffer.alloc(3 * 1024 * 1024));
    await mkdir(path.join(big.share, 'status'));
    expect(await big.writer.maybeCapture(60_000)).toBeNull();
    expect(await readdir(path.join(big.share, 'status'))).toEqual([]);
  });

  it('a failed capture is logged and retried at the next interval, never thrown', async () => {
    let fail = true;
    const { share, writer, advance } = await setup(async () => {
      if (fail) throw new Error('window gone');
      return PNG;
    });
    await mkdir(path.join(share, 'status'));
    expect(await writer.maybeCapture(60_000)).toBeNull();
    fail = false;
    advance(60_000);
    expect(await writer.maybeCapture(60_000)).toBe('lectern-a.png');
  });
});
