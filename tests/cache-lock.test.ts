import { lstat, readlink, readdir, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../apps/cli/main';
import { startSimulator } from '../apps/simulator/index';
import { silentLogger } from '../base/logger';
import { staticFileSource } from '../cache/file-source';
import { finalPath, lockPath } from '../cache/layout';
import { CacheLockedError, acquireCacheLock, currentHolder } from '../cache/lock';
import { openCache } from '../cache/service';
import { captureIo } from './cli-io-helpers';
import { useCleanups } from './support/cleanups';
import { seedJournaledEntries } from './support/cache-harness';
import { spawnTs } from './support/child-process';

const CHILD = path.join(__dirname, 'cache-lock-child.ts');
/** Above the default pid_max (2^22): no process has it, so a lock naming it is stale. */
const DEAD_PID = 2 ** 22 + 4321;

function bootNow(): number {
  return Math.round(Date.now() / 1000 - os.uptime());
}

describe('one writer per cache root, across processes', () => {
  const cleanups = useCleanups();

  async function cliIn(root: string, args: string[]) {
    const io = captureIo({ HOME: path.join(root, '..') });
    const code = await main([...args, '--cache-dir', root], io);
    return { code, out: io.out(), err: io.err() };
  }

  it('cache gc and cache verify refuse while the app holds the root, naming its pid; status still answers', async () => {
    const base = await cleanups.tempDir('cache-lock');
    const root = path.join(base, 'cache');
    const app = spawnTs(cleanups, CHILD, ['app', root]);
    await app.line(/^ready \d+$/);
    const [entry] = await seedJournaledEntries(root, 1);
    const keepList = path.join(base, 'keep.txt');
    await writeFile(keepList, '# nothing\n');

    const gc = await cliIn(root, ['cache', 'gc', '--keep-list', keepList]);
    expect(gc.code).toBe(1);
    expect(gc.err).toContain(`the Aether app (pid ${app.pid}) is using this cache`);
    expect(gc.err).toContain('quit it or run with --wait');
    expect((await lstat(finalPath(root, entry!))).isFile()).toBe(true);

    const verify = await cliIn(root, ['cache', 'verify']);
    expect(verify.code).toBe(1);
    expect(verify.err).toContain(`(pid ${app.pid})`);

    // Read-only commands never need the lock.
    const status = await cliIn(root, ['cache', 'status', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out)).toMatchObject({ entries: 1 });
    const dry = await cliIn(root, ['cache', 'gc', '--keep-list', keepList, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('would remove 1 entries');
    expect(await currentHolder(root)).toMatchObject({ pid: app.pid, role: 'app' });
  });

  it('a second writer in another process (prefetch, another app) is refused with the holder named', async () => {
    const root = path.join(await cleanups.tempDir('cache-lock'), 'cache');
    const app = spawnTs(cleanups, CHILD, ['app', root]);
    await app.line(/^ready/);
    const opening = openCache({
      root,
      source: staticFileSource([], null),
      logger: silentLogger(),
      lock: { role: 'prefetch' },
    });
    await expect(opening).rejects.toBeInstanceOf(CacheLockedError);
    await expect(opening).rejects.toMatchObject({ holder: { pid: app.pid, role: 'app' } });
  });

  it('prefetch refuses while the app holds the root (no file downloaded twice), and fills it with --wait once the app quits', async () => {
    const base = await cleanups.tempDir('cache-lock');
    const root = path.join(base, 'cache');
    const sim = await startSimulator();
    cleanups.push(() => sim.close());
    const seed = path.join(base, 'seed.json');
    await writeFile(seed, JSON.stringify(sim.demoSeed()));
    const app = spawnTs(cleanups, CHILD, ['app', root]);
    await app.line(/^ready/);

    const refused = await cliIn(root, ['prefetch', '--seed', seed]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`the Aether app (pid ${app.pid}) is using this cache`);
    expect((await readdir(root)).filter((n) => /^[0-9a-f]{2}$/.test(n))).toEqual([]);

    const io = captureIo({ HOME: base });
    const waiting = main(['prefetch', '--seed', seed, '--wait', '--cache-dir', root], io);
    await expect.poll(() => io.err(), { timeout: 20_000 }).toContain('waiting for it to finish');
    app.finish();
    expect(await waiting).toBe(0);
    expect(io.out()).toContain(`all ${sim.demo.files.length} files present and verified`);
  });

  it('gc --wait waits for the app to quit, then runs', async () => {
    const base = await cleanups.tempDir('cache-lock');
    const root = path.join(base, 'cache');
    const app = spawnTs(cleanups, CHILD, ['app', root]);
    await app.line(/^ready/);
    const [entry] = await seedJournaledEntries(root, 1);
    const keepList = path.join(base, 'keep.txt');
    await writeFile(keepList, '');
    const io = captureIo({ HOME: base });
    const gc = main(['cache', 'gc', '--keep-list', keepList, '--wait', '--cache-dir', root], io);
    // The app still runs: gc said it waits and removed nothing.
    await expect.poll(() => io.err(), { timeout: 20_000 }).toContain('waiting for it to finish');
    expect((await lstat(finalPath(root, entry!))).isFile()).toBe(true);
    app.finish();
    expect(await app.exited).toBe(0);
    expect(await gc).toBe(0);
    expect(io.out()).toContain('removed 1 entries');
    await expect(lstat(lockPath(root))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('the app waits for a prefetch holding the root (as cache-wiring opens it), then opens', async () => {
    const root = await cleanups.tempDir('cache-lock');
    const prefetch = spawnTs(cleanups, CHILD, ['race', root]);
    expect(await prefetch.line(/^(taken|held)/)).toBe('taken');
    const waitingFor: number[] = [];
    let opened = false;
    const opening = openCache({
      root,
      source: staticFileSource([], null),
      logger: silentLogger(),
      lock: { role: 'app', wait: true, pollMs: 50, onWaiting: (holder) => waitingFor.push(holder.pid) },
    }).then((cache) => ((opened = true), cache));
    await expect.poll(() => waitingFor, { timeout: 20_000 }).toEqual([prefetch.pid]);
    expect(opened).toBe(false);
    prefetch.finish();
    const cache = await opening;
    expect(await readlink(lockPath(root))).toContain(`:${process.pid}:app:`);
    await cache.close();
  });

  it('takes over the lock of a writer that was killed (SIGKILL leaves the lock behind)', async () => {
    const root = path.join(await cleanups.tempDir('cache-lock'), 'cache');
    const app = spawnTs(cleanups, CHILD, ['app', root]);
    await app.line(/^ready/);
    app.child.kill('SIGKILL');
    await app.exited;
    expect(await readlink(lockPath(root))).toContain(`:${app.pid}:app:`);
    expect(await currentHolder(root)).toBeNull();
    const cache = await openCache({
      root,
      source: staticFileSource([], null),
      logger: silentLogger(),
      lock: { role: 'prefetch' },
    });
    expect(await readlink(lockPath(root))).toContain(`:${process.pid}:prefetch:`);
    await cache.close();
    await expect(lstat(lockPath(root))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a lock from before a reboot is stale even when its pid runs now', async () => {
    const root = await cleanups.tempDir('cache-lock');
    // Our own parent is alive, but the lock says it was taken in a boot 10 minutes before this one.
    await symlink(`aether-cache-lock:${process.ppid}:app:0123456789abcdef:${bootNow() - 600}`, lockPath(root));
    const lock = await acquireCacheLock(root, { role: 'cache gc' });
    expect(lock.holder.pid).toBe(process.pid);
    await lock.release();
  });

  it('of several processes racing for a stale lock, exactly one gets it', async () => {
    const root = await cleanups.tempDir('cache-lock');
    await symlink(`aether-cache-lock:${DEAD_PID}:app:0123456789abcdef:${bootNow()}`, lockPath(root));
    const racers = Array.from({ length: 4 }, () => spawnTs(cleanups, CHILD, ['race', root]));
    const answers = await Promise.all(racers.map((r) => r.line(/^(taken|held \d+)$/)));
    const winners = racers.filter((_, i) => answers[i] === 'taken');
    expect(winners).toHaveLength(1);
    for (const answer of answers) if (answer !== 'taken') expect(answer).toBe(`held ${winners[0]!.pid}`);
    expect(await readlink(lockPath(root))).toContain(`:${winners[0]!.pid}:prefetch:`);
    for (const r of racers) r.finish();
    await Promise.all(racers.map((r) => r.exited));
    // No aside of the takeover is left behind.
    expect((await readdir(root)).filter((n) => n.includes('lock'))).toEqual([]);
  });

  it('refuses a second opener in the same process too, and close releases', async () => {
    const root = await cleanups.tempDir('cache-lock');
    const first = await openCache({ root, source: staticFileSource([], null), logger: silentLogger() });
    await expect(openCache({ root, source: staticFileSource([], null), logger: silentLogger() })).rejects.toThrow(
      `the Aether app (pid ${process.pid}) is using this cache`,
    );
    await first.close();
    const second = await openCache({ root, source: staticFileSource([], null), logger: silentLogger() });
    await second.close();
  });
});
