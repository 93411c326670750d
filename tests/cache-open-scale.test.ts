// Opening a cache quickly (issue 12, "Scale of the cache itself") must never trust a file the journal
// names but the disk no longer holds as verified: every case here is one the faster open could get
// wrong. Behaviour and counted work only, never time.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { nodeCacheFs, type CacheFs } from '../cache/cache-fs';
import { finalPath, journalPath } from '../cache/layout';
import { pageFacingCache } from '../cache/page-cache';
import { openStore } from '../cache/open-store';
import { JOURNAL_LINES_PER_TURN, addLine, parseJournal, readJournal, removeLine } from '../cache/verified-journal';
import { useCleanups } from './support/cleanups';
import { countingFs, seedJournaledEntries, testCache } from './support/cache-harness';

const cleanups = useCleanups();
const logger = silentLogger();
const fakeSha = (i: number) => createHash('sha256').update(`fake ${i}`).digest('hex');

/** Counts turns of the event loop while `run` is going, and which turn each statSync fell in. */
async function withTurns<T>(fs: CacheFs, run: (fs: CacheFs) => Promise<T>): Promise<{ value: T; perTurn: number[] }> {
  let turn = 0;
  let running = true;
  const perTurn: number[] = [];
  const tick = () => {
    turn += 1;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const watched: CacheFs = {
    ...fs,
    statSync: ((...args: Parameters<CacheFs['statSync']>) => {
      perTurn[turn] = (perTurn[turn] ?? 0) + 1;
      return fs.statSync(...args);
    }) as CacheFs['statSync'],
  };
  try {
    return { value: await run(watched), perTurn: perTurn.filter((n) => n !== undefined) };
  } finally {
    running = false;
  }
}

describe('opening the cache quickly', () => {
  it('trusts no entry deleted, truncated, rewritten or touched while the app was closed; stats each file once', async () => {
    const root = await cleanups.tempDir('aether-open-');
    const hashes = await seedJournaledEntries(root, 40);
    const [deleted, truncated, rewritten, touched] = hashes as [string, string, string, string];
    await rm(finalPath(root, deleted));
    const before = await stat(finalPath(root, truncated));
    await truncate(finalPath(root, truncated), 2);
    // Same mtime as verified: only the size gives it away.
    await utimes(finalPath(root, truncated), before.atime, before.mtime);
    await writeFile(finalPath(root, rewritten), 'another content, another size');
    const later = new Date(Date.now() + 5_000);
    await utimes(finalPath(root, touched), later, later);

    // A user's file with the shape of an entry but not a hash is no entry, not even an unverified one.
    const notAHash = `ab${'x'.repeat(62)}.file`;
    await mkdir(path.join(root, 'ab'), { recursive: true });
    await writeFile(path.join(root, 'ab', notAHash), 'mine');

    const counted = countingFs();
    const { store, unverified } = await openStore({ root, fs: counted.fs, logger, statChunk: 7 });
    for (const sha of [deleted, truncated, rewritten, touched]) {
      expect(store.has(sha)).toBe(false);
      expect(store.pathOf(sha)).toBeNull();
    }
    expect(unverified.sort()).toEqual([truncated, rewritten, touched].sort());
    expect(store.count).toBe(36);
    expect(hashes.slice(4).every((sha) => store.has(sha))).toBe(true);
    expect(store.totalBytes).toBe(
      (await Promise.all(hashes.slice(4).map((sha) => stat(finalPath(root, sha))))).reduce((n, s) => n + s.size, 0),
    );
    // One sync stat per file on disk, no awaited ones, no file opened to hash.
    expect(counted.counts.statSync).toBe(39);
    expect(counted.counts.stat ?? 0).toBe(0);
    // The journal was compacted to what is trusted: the next open starts clean.
    expect([...(await readJournal(nodeCacheFs, root)).stamps.keys()].sort()).toEqual(hashes.slice(4).sort());

    const cache = await testCache(root, 'http://127.0.0.1:9');
    cleanups.push(() => cache.close());
    const states = cache.status([deleted, truncated, rewritten, touched]).files.map((f) => f.state);
    expect(states).toEqual(['missing', 'missing', 'missing', 'missing']);
    await cache.verify();
    expect(await readFile(path.join(root, 'ab', notAHash), 'utf8')).toBe('mine');
  });

  it('ignores a torn journal line: the entry is hashed before it is trusted, never taken on its word', async () => {
    const root = await cleanups.tempDir('aether-open-');
    const hashes = await seedJournaledEntries(root, 4);
    const lines = (await readFile(journalPath(root), 'utf8')).trimEnd().split('\n');
    const [intact, tornMtime, tornHash, ranInto] = hashes as [string, string, string, string];
    const stampOf = (sha: string) => lines.find((l) => l.includes(sha))!;
    const torn = [
      stampOf(intact),
      // Cut inside the mtime: still well formed, but the stamp no longer matches the file.
      stampOf(tornMtime).slice(0, -4),
      stampOf(tornHash).slice(0, 30),
    ];
    // A torn line without its newline, and the next append ran into it.
    await writeFile(journalPath(root), `${torn.join('\n')}\n${stampOf(ranInto).slice(0, 50)}${stampOf(ranInto)}\n`);

    const { store, unverified } = await openStore({ root, fs: countingFs().fs, logger });
    expect(store.has(intact)).toBe(true);
    for (const sha of [tornMtime, tornHash, ranInto]) expect(store.has(sha)).toBe(false);
    expect(unverified.sort()).toEqual([tornMtime, tornHash, ranInto].sort());

    // The files are intact: one hash each and they are trusted again.
    const cache = await testCache(root, 'http://127.0.0.1:9');
    cleanups.push(() => cache.close());
    expect(await cache.verify()).toMatchObject({ checked: 4, ok: 4, quarantined: [] });
    expect(cache.status(hashes).totals.present).toBe(4);
  });

  it('reports a file the journal names but the disk lacks as missing, and drops its line', async () => {
    const root = await cleanups.tempDir('aether-open-');
    const hashes = await seedJournaledEntries(root, 5);
    await rm(finalPath(root, hashes[2]!));
    const { store, unverified } = await openStore({ root, fs: countingFs().fs, logger });
    expect(store.has(hashes[2]!)).toBe(false);
    expect(store.get(hashes[2]!)).toBeUndefined();
    expect(unverified).toEqual([]);
    expect(store.count).toBe(4);
    const after = await readJournal(nodeCacheFs, root);
    expect(after.lines).toBe(4);
    expect(after.stamps.has(hashes[2]!)).toBe(false);
  });

  it('trusts nothing for a file removed between the listing and its stat, and still opens', async () => {
    const root = await cleanups.tempDir('aether-open-');
    const hashes = await seedJournaledEntries(root, 6);
    let removed: string | null = null;
    const racing: CacheFs = {
      ...nodeCacheFs,
      statSync: ((file: string, options?: { throwIfNoEntry?: boolean }) => {
        if (removed === null) {
          removed = file;
          rmSync(file);
        }
        return nodeCacheFs.statSync(file, options);
      }) as CacheFs['statSync'],
    };
    const { store, unverified } = await openStore({ root, fs: racing, logger });
    const gone = hashes.find((sha) => finalPath(root, sha) === removed)!;
    expect(gone).toBeDefined();
    expect(store.has(gone)).toBe(false);
    expect(unverified).toEqual([]);
    expect(store.count).toBe(5);
  });

  it('stats in chunks with turns of the event loop between them, never all in one turn', async () => {
    const root = await cleanups.tempDir('aether-open-');
    await seedJournaledEntries(root, 50);
    const { value, perTurn } = await withTurns(nodeCacheFs, (fs) =>
      openStore({ root, fs, logger, mode: 'read', statChunk: 10 }),
    );
    expect(value.store.count).toBe(50);
    expect(perTurn.reduce((a, b) => a + b, 0)).toBe(50);
    expect(Math.max(...perTurn)).toBeLessThanOrEqual(10);
    expect(perTurn.length).toBeGreaterThanOrEqual(5);
  });

  it('parses a long journal over several turns of the event loop, with the same result as in one go', async () => {
    const root = await cleanups.tempDir('aether-open-');
    const count = JOURNAL_LINES_PER_TURN * 2 + 500;
    let text = '';
    for (let i = 0; i < count; i += 1) text += addLine(fakeSha(i), { size: i, mtimeMs: 1_764_000_000_000 + i / 8 });
    await writeFile(journalPath(root), text);
    let turns = 0;
    let running = true;
    const tick = () => {
      turns += 1;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    // Turns counted from when the text is in memory: the parse itself must yield, not just the read.
    let turnsAtRead = Number.NaN;
    const fs: CacheFs = {
      ...nodeCacheFs,
      readFile: (async (...args: Parameters<CacheFs['readFile']>) => {
        const text = await nodeCacheFs.readFile(...args);
        turnsAtRead = turns;
        return text;
      }) as CacheFs['readFile'],
    };
    const read = await readJournal(fs, root);
    running = false;
    expect(turns - turnsAtRead).toBeGreaterThanOrEqual(2);
    expect(read.lines).toBe(count);
    expect(read.stamps).toEqual(parseJournal(text).stamps);
    expect(read.stamps.get(fakeSha(7))).toEqual({ size: 7, mtimeMs: 1_764_000_000_000.875 });
  });

  it('accepts exactly the journal lines the per-line regexes of before accepted (torn at every length)', () => {
    const ADD = /^\+ ([0-9a-f]{64}) (\d+) (\d+(?:\.\d+)?)$/;
    const REMOVE = /^- ([0-9a-f]{64})$/;
    const oracle = (text: string) => {
      const stamps = new Map<string, { size: number; mtimeMs: number }>();
      for (const line of text.split('\n')) {
        const add = ADD.exec(line);
        if (add) stamps.set(add[1]!, { size: Number(add[2]), mtimeMs: Number(add[3]) });
        else {
          const remove = REMOVE.exec(line);
          if (remove) stamps.delete(remove[1]!);
        }
      }
      return stamps;
    };
    const add = addLine(fakeSha(1), { size: 123, mtimeMs: 1_764_636_851_123.456 }).trimEnd();
    const remove = removeLine(fakeSha(1)).trimEnd();
    const odd = [
      `${add} `,
      ` ${add}`,
      add.replace('+ ', '+  '),
      add.toUpperCase(),
      add.replace('.456', '.'),
      add.replace('123 ', '12a '),
      `${add}.5`,
      `${remove}0`,
      remove.replace('- ', '+ '),
      '',
    ];
    const cases = [
      ...Array.from({ length: add.length + 1 }, (_, n) => add.slice(0, n)),
      ...Array.from({ length: remove.length + 1 }, (_, n) => remove.slice(0, n)),
      ...odd,
    ];
    for (const line of cases) {
      for (const text of [`${line}\n`, `${add}\n${line}\n`, `${add}\n${line}`, `${line}${add}\n`]) {
        const parsed = parseJournal(text);
        expect(parsed.stamps, JSON.stringify(text)).toEqual(oracle(text));
      }
    }
  });

  it('rewrites a journal that is mostly dead lines, and leaves a clean one alone', async () => {
    const root = await cleanups.tempDir('aether-open-');
    const hashes = await seedJournaledEntries(root, 10);
    let churn = '';
    for (let i = 0; i < 600; i += 1) churn += addLine(fakeSha(i), { size: 1, mtimeMs: 1 }) + removeLine(fakeSha(i));
    await writeFile(journalPath(root), churn + (await readFile(journalPath(root), 'utf8')));
    expect((await readJournal(nodeCacheFs, root)).lines).toBe(1210);

    await openStore({ root, fs: countingFs().fs, logger });
    const compacted = await readJournal(nodeCacheFs, root);
    expect(compacted.lines).toBe(10);
    expect([...compacted.stamps.keys()].sort()).toEqual([...hashes].sort());

    const counted = countingFs();
    const { store } = await openStore({ root, fs: counted.fs, logger });
    expect(store.count).toBe(10);
    expect(counted.counts.rename ?? 0).toBe(0);
    expect(counted.counts.open ?? 0).toBe(0);
  });
});

describe('status at scale', () => {
  it('the page-facing cache follows a new event list at the next call (its set is rebuilt only when the list changes)', async () => {
    const root = await cleanups.tempDir('aether-open-');
    const [a, b] = (await seedJournaledEntries(root, 2)) as [string, string];
    const cache = await testCache(root, 'http://127.0.0.1:9');
    cleanups.push(() => cache.close());
    const missing = fakeSha(99);
    let list: { sha256: string }[] = [{ sha256: a }];
    const page = pageFacingCache({ cache, eventFiles: () => list, sessions: () => [] });
    const states = async (hashes: string[]) => (await page.status(hashes)).files.map((f) => f.state);
    expect(await states([a, b, missing])).toEqual(['present', 'present', 'failed']);
    list = [{ sha256: a }, { sha256: missing }];
    expect(await states([a, b, missing])).toEqual(['present', 'present', 'missing']);
    list = [{ sha256: a }];
    expect((await page.status([missing])).files[0]).toMatchObject({ state: 'failed', reason: 'not-listed' });
  });

  it('asks the sweep to check only present hashes it was asked about, at most 256, in the same pass', async () => {
    const root = await cleanups.tempDir('aether-open-');
    const hashes = await seedJournaledEntries(root, 300);
    const counted = countingFs();
    const cache = await testCache(root, 'http://127.0.0.1:9', { fs: counted.fs });
    cleanups.push(() => cache.close());
    counted.reset();
    const asked = [...Array.from({ length: 1000 }, (_, i) => fakeSha(i)), ...hashes];
    expect(cache.status(asked).totals).toMatchObject({ present: 300, missing: 1000 });
    expect(counted.counts).toEqual({});
    await new Promise((resolve) => setImmediate(resolve));
    // The urgent check under way: 256 of the 300 present, none of the 1,000 missing.
    await cache.sweep.step();
    expect(cache.sweep.stats).toBe(256);
    expect(counted.counts).toEqual({ stat: 256 });
  });
});
