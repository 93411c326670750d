import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../apps/cli/main';
import { silentLogger } from '../base/logger';
import { staticFileSource } from '../cache/file-source';
import { journalTempPath, quarantineDir, tempDir, tempName } from '../cache/layout';
import { openCache } from '../cache/service';
import { captureIo } from './cli-io-helpers';
import { listTree } from './launch-fixtures';
import { useCleanups } from './support/cleanups';

const DEAD_PID = 2 ** 22 + 777;
const SHA = 'c'.repeat(64);

/**
 * The root can be any folder the API names (`local_file_cache_path`), so it may hold a user's files,
 * including in folders whose names the cache uses (`.tmp`, `.quarantine`, two-hex shards).
 */
async function userFolderWithCacheLeftovers(root: string) {
  const user = {
    '.tmp/notes.txt': 'my notes',
    '.tmp/project/draft.key': 'keynote draft',
    [`.tmp/${tempName(SHA, DEAD_PID, 'aa')}.bak`]: 'looks like ours, is not',
    [`.tmp/${SHA}.part`]: 'no pid in the name',
    '.quarantine/keep-me.txt': 'user file in a folder named like ours',
    '.quarantine/sub/deep.txt': 'deeper',
    'ab/readme.txt': 'user file in a two-hex folder',
    'notes.tmp': 'user temp file in the root',
    '.verified.log.bak': 'not a compaction temp',
  };
  for (const [name, text] of Object.entries(user)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), text);
  }
  // A folder with exactly our temp name: not something we made, never recursed into.
  await mkdir(path.join(tempDir(root), tempName(SHA, DEAD_PID, 'bb'), 'inside'), { recursive: true });
  await writeFile(path.join(tempDir(root), tempName(SHA, DEAD_PID, 'bb'), 'inside', 'file.txt'), 'x');
  // A symlink with our temp name pointing at a user file: removing it must not follow it.
  await symlink(path.join(root, 'notes.tmp'), path.join(tempDir(root), tempName(SHA, DEAD_PID, 'cc')));
  // Ours, stale: a dead writer's partial download and a compaction cut short.
  await writeFile(path.join(tempDir(root), tempName(SHA, DEAD_PID, 'dd')), 'partial');
  await writeFile(journalTempPath(root, DEAD_PID, 'ee'), '+ partial journal');
  // Ours, live (our parent runs): kept.
  await writeFile(path.join(tempDir(root), tempName(SHA, process.ppid, 'ff')), 'live partial');
  return Object.keys(user);
}

describe("start-up reclaim and gc touch only the cache's own names", () => {
  const cleanups = useCleanups();

  it('cache status (read-only) removes nothing at all', async () => {
    const root = await cleanups.tempDir('reclaim');
    await userFolderWithCacheLeftovers(root);
    const before = await listTree(root);
    const io = captureIo({ HOME: root });
    expect(await main(['cache', 'status', '--cache-dir', root], io)).toBe(0);
    expect(await listTree(root)).toEqual(before);
  });

  it('opening for writing reclaims only stale temp names of the exact pattern; gc empties only quarantine names', async () => {
    const root = await cleanups.tempDir('reclaim');
    const userFiles = await userFolderWithCacheLeftovers(root);
    const cache = await openCache({ root, source: staticFileSource([], null), logger: silentLogger() });
    const after = await listTree(root);
    for (const name of userFiles) expect(after).toContain(name);
    expect(after).toContain(`.tmp/${tempName(SHA, DEAD_PID, 'bb')}/inside/file.txt`);
    expect(after).toContain(`.tmp/${tempName(SHA, process.ppid, 'ff')}`);
    expect(after).not.toContain(`.tmp/${tempName(SHA, DEAD_PID, 'dd')}`);
    expect(after).not.toContain(path.basename(journalTempPath(root, DEAD_PID, 'ee')));
    await writeFile(path.join(quarantineDir(root), `${SHA}.1700000000000.0123456789ab.bad`), 'quarantined by us');
    await cache.gc([]);
    expect((await readdir(quarantineDir(root))).sort()).toEqual(['keep-me.txt', 'sub']);
    const final = await listTree(root);
    for (const name of userFiles) expect(final).toContain(name);
    await cache.close();
  });
});
