import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shortHash } from '../kiosk/filename';
import { type LaunchFs, launchFs } from '../kiosk/launch-fs';
import {
  createLaunchHandover,
  InvalidLaunchRequestError,
  type LaunchHandoverDeps,
  OpenFailedError,
} from '../kiosk/launch-handover';
import { type CacheFixture, listTree, makeCache, makeTempDir } from './launch-fixtures';

/**
 * Open under load (issue 12): what stands between a click and the opener is counted here, on real
 * folders, through the handover's own file-system seam wrapped to record each call. Under load every
 * pooled call is a wait for a busy thread, so the count is the figure; the time is the benchmark's.
 */

let base: string;
let cache: CacheFixture;
let tempRoot: string;
let calls: string[];

/** The app's file-system calls, each one recorded by name. */
const countingFs: LaunchFs = Object.fromEntries(
  Object.entries(launchFs).map(([name, call]) => [
    name,
    (...args: unknown[]) => {
      calls.push(name);
      return (call as (...a: unknown[]) => Promise<unknown>)(...args);
    },
  ]),
) as unknown as LaunchFs;

function handoverWith(deps: Partial<LaunchHandoverDeps> & Pick<LaunchHandoverDeps, 'opener'>) {
  return createLaunchHandover({ cache: cache.lookup, tempRoot: () => tempRoot, fs: countingFs, ...deps });
}

const exists = (p: string) =>
  fs.lstat(p).then(
    () => true,
    () => false,
  );

beforeEach(async () => {
  base = await makeTempDir('launch-click');
  cache = await makeCache(path.join(base, 'cache'));
  tempRoot = path.join(base, 'launch');
  calls = [];
});

afterEach(async () => {
  await fs.rm(base, { recursive: true, force: true });
});

describe('the click path of the launch handover', () => {
  it('reaches the opener of a re-open after three reads, and of a first open after the copy and its rename', async () => {
    const { sha256 } = await cache.add(randomBytes(4096));
    const atOpener: string[][] = [];
    const handover = handoverWith({ opener: async () => void atOpener.push([...calls]) });

    await handover.open({ sha256, filename: 'deck.pptx' });
    const firstTotal = [...calls];
    calls = [];
    const again = await handover.open({ sha256, filename: 'deck.pptx' });

    expect(again.copy).toBe('reused');
    // First open: the source's stat, the folder (absent: made, then checked), no copy yet, the copy
    // under a temp name, its mtime, the rename. Then, after the opener: older names, the stamp.
    expect(atOpener[0]).toEqual(['stat', 'lstat', 'mkdir', 'lstat', 'lstat', 'copyFile', 'utimes', 'rename']);
    expect(firstTotal.slice(atOpener[0]!.length)).toEqual(['readdir', 'utimes']);
    // Re-open: no realpath, no mkdir, no write, no prune before the opener; the stamp comes after.
    expect(atOpener[1]).toEqual(['stat', 'lstat', 'lstat']);
    expect(calls).toEqual(['stat', 'lstat', 'lstat', 'utimes']);
  });

  it('stamps "last opened" at the click, after the opener, so pruning still goes by it', async () => {
    const hashes: string[] = [];
    for (let i = 0; i < 3; i += 1) hashes.push((await cache.add(randomBytes(1024))).sha256);
    let t = 1_700_000_000_000;
    const handover = handoverWith({
      limits: { maxCopies: 2, maxBytes: 1024 ** 3 },
      now: () => (t += 1000),
      opener: async () => undefined,
    });
    await handover.open({ sha256: hashes[0]!, filename: 'a.pdf' });
    await handover.open({ sha256: hashes[1]!, filename: 'b.pdf' });
    // Re-opened: the first becomes the most recent, so the third open pushes out the second.
    await handover.open({ sha256: hashes[0]!, filename: 'a.pdf' });
    expect((await fs.stat(path.join(tempRoot, shortHash(hashes[0]!)))).mtimeMs).toBe(t);
    await handover.open({ sha256: hashes[2]!, filename: 'c.pdf' });
    expect(await listTree(tempRoot)).toEqual(
      [path.join(shortHash(hashes[0]!), 'a.pdf'), path.join(shortHash(hashes[2]!), 'c.pdf')].sort(),
    );
  });

  it('prunes after the opener was called, stays bounded, and never removes the copy just handed over', async () => {
    const a = await cache.add(randomBytes(4096));
    const b = await cache.add(randomBytes(4096));
    const dirA = path.join(tempRoot, shortHash(a.sha256));
    const dirB = path.join(tempRoot, shortHash(b.sha256));
    const seen: { path: string; otherCopyThere: boolean }[] = [];
    let t = 1_700_000_000_000;
    const handover = handoverWith({
      // One copy at most, and a byte cap the copy alone exceeds.
      limits: { maxCopies: 1, maxBytes: 1 },
      now: () => (t += 1000),
      opener: async (p) => void seen.push({ path: p, otherCopyThere: await exists(dirA) }),
    });

    const first = await handover.open({ sha256: a.sha256, filename: 'a.pptx' });
    expect(await fs.readFile(first.path)).toHaveLength(4096);

    const second = await handover.open({ sha256: b.sha256, filename: 'b.pptx' });

    // A's copy was still there when the opener got B (the prune had not run yet); afterwards it is gone.
    expect(seen[1]).toEqual({ path: second.path, otherCopyThere: true });
    expect(await exists(dirA)).toBe(false);
    expect(await listTree(tempRoot)).toEqual([path.join(shortHash(b.sha256), 'b.pptx')]);
    expect(await exists(dirB)).toBe(true);
    expect(handover.copiedHashes()).toEqual([b.sha256]);
  });

  it('still prunes when the opener fails', async () => {
    const a = await cache.add(randomBytes(1024));
    const b = await cache.add(randomBytes(1024));
    let t = 1_700_000_000_000;
    const handover = handoverWith({
      limits: { maxCopies: 1, maxBytes: 1024 ** 3 },
      now: () => (t += 1000),
      opener: async (p) => {
        if (p.endsWith('b.pptx')) throw new OpenFailedError(p, 'no app for this');
      },
    });
    await handover.open({ sha256: a.sha256, filename: 'a.pptx' });
    await expect(handover.open({ sha256: b.sha256, filename: 'b.pptx' })).rejects.toBeInstanceOf(OpenFailedError);
    expect(await listTree(tempRoot)).toEqual([path.join(shortHash(b.sha256), 'b.pptx')]);
  });

  it('prepare (no opener) prunes too', async () => {
    const hashes = [];
    for (let i = 0; i < 3; i += 1) hashes.push((await cache.add(randomBytes(1024))).sha256);
    let t = 1_700_000_000_000;
    const handover = handoverWith({
      limits: { maxCopies: 2, maxBytes: 1024 ** 3 },
      now: () => (t += 1000),
      opener: async () => undefined,
    });
    for (const sha256 of hashes) await handover.prepare({ sha256, filename: 'deck.pdf' });
    expect(await listTree(tempRoot)).toEqual(
      hashes
        .slice(1)
        .map((h) => path.join(shortHash(h), 'deck.pdf'))
        .sort(),
    );
  });

  it('refuses a short-hash folder that is a symlink even when it points inside the launch folder', async () => {
    const { sha256 } = await cache.add(randomBytes(1024));
    const inside = path.join(tempRoot, 'elsewhere');
    await fs.mkdir(inside, { recursive: true });
    await fs.symlink(inside, path.join(tempRoot, shortHash(sha256)));
    let opened = 0;
    const handover = handoverWith({ opener: async () => void (opened += 1) });

    await expect(handover.open({ sha256, filename: 'deck.pptx' })).rejects.toBeInstanceOf(InvalidLaunchRequestError);
    expect(await fs.readdir(inside)).toEqual([]);
    expect(opened).toBe(0);
  });
});
