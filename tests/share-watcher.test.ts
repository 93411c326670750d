import { readFileSync } from 'node:fs';
import { mkdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { createShareWatcher, type ShareSnapshot, type ShareWatcher } from '../provisioning/share-watcher';
import { waitFor } from './share-watcher-helpers';
import { useCleanups } from './support/cleanups';

const cleanups = useCleanups();

async function watch(
  dir: string,
  accept?: (name: string) => boolean,
): Promise<{ watcher: ShareWatcher; snapshots: ShareSnapshot[] }> {
  const snapshots: ShareSnapshot[] = [];
  const watcher = createShareWatcher({
    dir,
    accept,
    logger: silentLogger(),
    debounceMs: 50,
    onSnapshot: (s) => snapshots.push(s),
  });
  cleanups.push(() => watcher.close());
  await watcher.start();
  return { watcher, snapshots };
}

const names = (s: ShareSnapshot | undefined) => [...(s?.keys() ?? [])];

describe('share watcher on real folders', () => {
  it('reports existing files once at start and hides Syncthing noise', async () => {
    const dir = await cleanups.tempDir('sw');
    await writeFile(path.join(dir, 'seed_a.json'), '{}');
    await writeFile(path.join(dir, '.syncthing.seed_b.json.tmp'), '{"partial');
    await writeFile(path.join(dir, '~syncthing~seed_c.json.tmp'), '');
    await writeFile(path.join(dir, 'seed_a.sync-conflict-20261122-101010-ABCDEFG.json'), '{}');
    await mkdir(path.join(dir, '.stversions'));
    await writeFile(path.join(dir, '.stversions', 'seed_a~20261121.json'), '{}');
    const { watcher, snapshots } = await watch(dir);
    expect(snapshots).toHaveLength(1);
    expect(names(snapshots[0])).toEqual(['seed_a.json']);
    expect(watcher.state.kind).toBe('watching');
  });

  it('sees a file that arrives under a temp name and is renamed into place, never the temp name', async () => {
    const dir = await cleanups.tempDir('sw');
    const { snapshots } = await watch(dir);
    await writeFile(path.join(dir, '.syncthing.version.json.tmp'), '{"version":');
    await writeFile(path.join(dir, '.syncthing.version.json.tmp'), '{"version":"1.0.0"}');
    await rename(path.join(dir, '.syncthing.version.json.tmp'), path.join(dir, 'version.json'));
    await waitFor('version.json in a snapshot', () => snapshots.at(-1)?.has('version.json'));
    expect(snapshots.flatMap(names).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('reports a replaced file (unlink, then rename of a new one) as changed', async () => {
    const dir = await cleanups.tempDir('sw');
    await writeFile(path.join(dir, 'version.json'), 'old');
    const { snapshots } = await watch(dir);
    const before = snapshots.at(-1)?.get('version.json');
    await rm(path.join(dir, 'version.json'));
    await writeFile(path.join(dir, '.syncthing.version.json.tmp'), 'newer content');
    await rename(path.join(dir, '.syncthing.version.json.tmp'), path.join(dir, 'version.json'));
    const after = await waitFor('the new version.json', () => {
      const e = snapshots.at(-1)?.get('version.json');
      return e && e.size === 'newer content'.length ? e : undefined;
    });
    expect(after.ino === before?.ino && after.mtimeMs === before?.mtimeMs).toBe(false);
  });

  it('delivers a change even when the replacement keeps inode, size and mtime', async () => {
    const dir = await cleanups.tempDir('sw');
    const file = path.join(dir, 'version.json');
    await writeFile(file, '{"version":"1.2.0"}');
    await utimes(file, 1_790_000_000, 1_790_000_000);
    const { snapshots } = await watch(dir);
    const before = snapshots.length;
    await writeFile(file, '{"version":"1.3.0"}');
    await utimes(file, 1_790_000_000, 1_790_000_000);
    await waitFor('a snapshot after the same-stat replacement', () => snapshots.length > before);
    const [a, b] = [snapshots[0]?.get('version.json'), snapshots.at(-1)?.get('version.json')];
    expect([b?.ino, b?.size, b?.mtimeMs]).toEqual([a?.ino, a?.size, a?.mtimeMs]);
  });

  it('sees the second of two quick writes that chokidar throttles into one event', async () => {
    const dir = await cleanups.tempDir('sw');
    const file = path.join(dir, 'version.json');
    await writeFile(file, 'a');
    const snapshots: ShareSnapshot[] = [];
    const watcher = createShareWatcher({
      dir,
      logger: silentLogger(),
      debounceMs: 0,
      maxWaitMs: 0,
      onSnapshot: (s) => snapshots.push(s),
    });
    cleanups.push(() => watcher.close());
    await watcher.start();
    await writeFile(file, 'bb');
    await waitFor('the first write', () => snapshots.at(-1)?.get('version.json')?.size === 2, 10_000);
    // Within chokidar's 50 ms change throttle of the first write: no event of its own.
    await writeFile(file, 'dddd');
    await waitFor('the second write', () => snapshots.at(-1)?.get('version.json')?.size === 4);
  });

  it('delivers a same-stat rewrite whose events chokidar swallowed, so a consumer re-reads the content', async () => {
    const dir = await cleanups.tempDir('sw');
    const file = path.join(dir, 'version.json');
    await writeFile(file, 'aa');
    const seen: string[] = [];
    const watcher = createShareWatcher({
      dir,
      logger: silentLogger(),
      debounceMs: 0,
      maxWaitMs: 0,
      onSnapshot: (s) => s.has('version.json') && seen.push(readFileSync(file, 'utf8')),
    });
    cleanups.push(() => watcher.close());
    await watcher.start();
    await writeFile(file, 'bb');
    await utimes(file, 1_790_000_000, 1_790_000_000);
    await waitFor('the first rewrite', () => seen.at(-1) === 'bb', 10_000);
    // Inside chokidar's change throttle and with inode, size and mtime unchanged: neither an event
    // nor a stat comparison reveals it; only the trailing scan after the burst can.
    await writeFile(file, 'cc');
    await utimes(file, 1_790_000_000, 1_790_000_000);
    await waitFor('the second rewrite', () => seen.at(-1) === 'cc', 10_000);
  });

  it('waits for a folder that does not exist yet, then watches it', async () => {
    const dir = await cleanups.tempDir('sw');
    const target = path.join(dir, 'admin_share', 'seeds');
    const { watcher, snapshots } = await watch(target);
    expect(watcher.state).toEqual({ kind: 'waiting-for-folder', watchingAncestor: dir });
    expect(names(snapshots.at(-1))).toEqual([]);
    await mkdir(path.join(dir, 'admin_share'));
    await waitFor(
      'the watch to move one level down',
      () =>
        watcher.state.kind === 'waiting-for-folder' && watcher.state.watchingAncestor === path.join(dir, 'admin_share'),
    );
    await mkdir(target);
    await writeFile(path.join(target, 'seed_x.json'), '{}');
    await waitFor('seed_x.json', () => snapshots.at(-1)?.has('seed_x.json'));
    expect(watcher.state.kind).toBe('watching');
  });

  it('keeps working after the folder disappears and comes back', async () => {
    const dir = await cleanups.tempDir('sw');
    const target = path.join(dir, 'native_app');
    await mkdir(target);
    await writeFile(path.join(target, 'a.bin'), 'a');
    const { watcher, snapshots } = await watch(target);
    await rm(target, { recursive: true });
    await waitFor('the folder to be seen gone', () => snapshots.at(-1)?.size === 0);
    await waitFor('waiting for the folder', () => watcher.state.kind === 'waiting-for-folder');
    await mkdir(target);
    await writeFile(path.join(target, 'b.bin'), 'b');
    await waitFor('b.bin after the folder came back', () => snapshots.at(-1)?.has('b.bin'));
  });

  it('passes only accepted names and stays quiet about the others', async () => {
    const dir = await cleanups.tempDir('sw');
    const { snapshots } = await watch(dir, (n) => n.endsWith('.json'));
    await writeFile(path.join(dir, 'notes.txt'), 'x');
    await writeFile(path.join(dir, 'b.json'), '{}');
    await waitFor('b.json', () => snapshots.at(-1)?.has('b.json'));
    expect(snapshots.flatMap(names)).not.toContain('notes.txt');
  });

  it('finds a change on a forced re-scan and delivers nothing after close', async () => {
    const dir = await cleanups.tempDir('sw');
    const { watcher, snapshots } = await watch(dir);
    await watcher.rescan({ force: true });
    expect(snapshots).toHaveLength(2);
    await watcher.close();
    await writeFile(path.join(dir, 'late.json'), '{}');
    await watcher.rescan({ force: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(snapshots.flatMap(names)).not.toContain('late.json');
    expect(watcher.state.kind).toBe('closed');
  });
});
