import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shortHash } from '../kiosk/filename';
import {
  ForbiddenTypeError,
  createLaunchHandover,
  InvalidLaunchRequestError,
  type LaunchHandover,
  launchTempRoot,
  NotInCacheError,
  OpenFailedError,
  type Opener,
} from '../kiosk/launch-handover';
import { type CacheFixture, listTree, makeCache, makeTempDir, sha256Of } from './launch-fixtures';

let base: string;
let cache: CacheFixture;
let tempRoot: string;
let opened: { path: string; bytes: Buffer }[];
let handover: LaunchHandover;

/** Records what the OS would have been asked to open, and what that file held at that moment. */
const recordingOpener: Opener = async (filePath) => {
  opened.push({ path: filePath, bytes: await fs.readFile(filePath) });
};

beforeEach(async () => {
  base = await makeTempDir('launch');
  cache = await makeCache(path.join(base, 'cache'));
  tempRoot = path.join(base, 'launch');
  opened = [];
  handover = createLaunchHandover({ cache: cache.lookup, tempRoot: () => tempRoot, opener: recordingOpener });
});

afterEach(async () => {
  await fs.rm(base, { recursive: true, force: true });
});

describe('launch handover', () => {
  it('opens a copy under <temp root>/<short hash>/ with the original name and identical bytes', async () => {
    const bytes = randomBytes(256 * 1024);
    const { sha256 } = await cache.add(bytes);

    const result = await handover.open({ sha256, filename: 'Keynote Q3.pptx' });

    expect(result).toEqual({
      path: path.join(tempRoot, shortHash(sha256), 'Keynote Q3.pptx'),
      filename: 'Keynote Q3.pptx',
      copy: 'created',
    });
    expect(opened).toHaveLength(1);
    expect(opened[0]?.path).toBe(result.path);
    expect(opened[0]?.bytes.equals(bytes)).toBe(true);
  });

  it('never hands out the cache file, and a modified copy leaves the cache untouched', async () => {
    const bytes = randomBytes(64 * 1024);
    const { sha256, file } = await cache.add(bytes);
    const before = await fs.stat(file);

    const { path: copy } = await handover.open({ sha256, filename: 'deck.pptx' });
    expect(await fs.realpath(copy)).not.toBe(await fs.realpath(file));
    await fs.appendFile(copy, 'presenter edits');
    await fs.writeFile(copy, 'overwritten by PowerPoint');

    expect(sha256Of(await fs.readFile(file))).toBe(sha256);
    const after = await fs.stat(file);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it('reuses an unmodified copy and refreshes one that was edited since', async () => {
    const bytes = randomBytes(32 * 1024);
    const { sha256 } = await cache.add(bytes);

    const first = await handover.open({ sha256, filename: 'deck.pptx' });
    const again = await handover.open({ sha256, filename: 'deck.pptx' });
    expect(again.copy).toBe('reused');

    await fs.writeFile(first.path, 'edited and saved');
    const refreshed = await handover.open({ sha256, filename: 'deck.pptx' });
    expect(refreshed.copy).toBe('refreshed');
    expect((await fs.readFile(refreshed.path)).equals(bytes)).toBe(true);
    expect(opened.map((o) => o.bytes.equals(bytes))).toEqual([true, true, true]);
  });

  it('refreshes a same-size edit too, because the edit moved the mtime', async () => {
    const bytes = Buffer.alloc(1024, 1);
    const { sha256 } = await cache.add(bytes);
    const { path: copy } = await handover.open({ sha256, filename: 'deck.pptx' });
    await fs.writeFile(copy, Buffer.alloc(1024, 2));
    await fs.utimes(copy, new Date(), new Date(Date.now() + 5_000));

    expect((await handover.open({ sha256, filename: 'deck.pptx' })).copy).toBe('refreshed');
    expect((await fs.readFile(copy)).equals(bytes)).toBe(true);
  });

  it('refuses a hash that is not in the cache and writes nothing', async () => {
    const missing = sha256Of(Buffer.from('never downloaded'));
    await expect(handover.open({ sha256: missing, filename: 'deck.pptx' })).rejects.toBeInstanceOf(NotInCacheError);
    expect(opened).toEqual([]);
    expect(await listTree(tempRoot)).toEqual([]);
  });

  it.each([
    'AB'.repeat(32),
    'ab'.repeat(31),
    `${'ab'.repeat(32)}0`,
    `../${'ab'.repeat(30)}`,
    `${'ab'.repeat(31)}/x`,
    'zz'.repeat(32),
    '',
  ])('refuses the malformed hash %j before touching the cache', async (sha256) => {
    let asked = false;
    const guarded = createLaunchHandover({
      cache: { pathOf: async () => ((asked = true), null) },
      tempRoot: () => tempRoot,
      opener: recordingOpener,
    });
    await expect(guarded.open({ sha256, filename: 'deck.pptx' })).rejects.toBeInstanceOf(InvalidLaunchRequestError);
    expect(asked).toBe(false);
  });

  it('refuses a 10,000-character name instead of truncating it silently', async () => {
    const { sha256 } = await cache.add(randomBytes(16));
    await expect(handover.open({ sha256, filename: 'a'.repeat(10_000) })).rejects.toBeInstanceOf(
      InvalidLaunchRequestError,
    );
    expect(await listTree(tempRoot)).toEqual([]);
  });

  it.each([
    '../../../outside.pptx',
    '..\\..\\outside.pptx',
    '/etc/passwd.pdf',
    '.hidden.pdf',
    'evil\u0000.pptx',
    'CON.pptx',
    'a/../../b.pptx',
    `${'x'.repeat(1000)}.pptx`,
  ])('keeps the hostile name %j inside the launch folder of its hash', async (filename) => {
    const bytes = randomBytes(1024);
    const { sha256 } = await cache.add(bytes);

    const result = await handover.open({ sha256, filename });

    expect(path.dirname(result.path)).toBe(path.join(tempRoot, shortHash(sha256)));
    expect((await fs.readFile(result.path)).equals(bytes)).toBe(true);
    const outside = (await listTree(base)).filter(
      (f) => !f.startsWith(`cache${path.sep}`) && !f.startsWith(`launch${path.sep}`),
    );
    expect(outside).toEqual([]);
  });

  it.each(['/etc/passwd', '..', '.'])('refuses the typeless name %j before copying anything', async (filename) => {
    const { sha256 } = await cache.add(randomBytes(64));
    await expect(handover.open({ sha256, filename })).rejects.toBeInstanceOf(ForbiddenTypeError);
    expect(await listTree(tempRoot)).toEqual([]);
  });

  it('refuses to follow a short-hash folder that was replaced by a symlink out of the temp root', async () => {
    const { sha256 } = await cache.add(randomBytes(1024));
    const elsewhere = path.join(base, 'elsewhere');
    await fs.mkdir(elsewhere);
    await fs.mkdir(tempRoot, { recursive: true });
    await fs.symlink(elsewhere, path.join(tempRoot, shortHash(sha256)));

    await expect(handover.open({ sha256, filename: 'deck.pptx' })).rejects.toBeInstanceOf(InvalidLaunchRequestError);
    expect(await fs.readdir(elsewhere)).toEqual([]);
    expect(opened).toEqual([]);
  });

  it('replaces a symlink planted at the copy name instead of writing through it', async () => {
    const bytes = randomBytes(1024);
    const { sha256 } = await cache.add(bytes);
    const victim = path.join(base, 'victim.txt');
    await fs.writeFile(victim, 'precious');
    const dir = path.join(tempRoot, shortHash(sha256));
    await fs.mkdir(dir, { recursive: true });
    await fs.symlink(victim, path.join(dir, 'deck.pptx'));

    const result = await handover.open({ sha256, filename: 'deck.pptx' });

    expect(await fs.readFile(victim, 'utf8')).toBe('precious');
    expect((await fs.lstat(result.path)).isSymbolicLink()).toBe(false);
    expect((await fs.readFile(result.path)).equals(bytes)).toBe(true);
  });

  it('passes the opener failure on as a typed error that names the file but not the folder', async () => {
    const { sha256 } = await cache.add(randomBytes(16));
    const failing = createLaunchHandover({
      cache: cache.lookup,
      tempRoot: () => tempRoot,
      opener: async (p) => {
        throw new OpenFailedError(p, 'No application knows how to open this file');
      },
    });
    const error = await failing.open({ sha256, filename: 'deck.pptx' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenFailedError);
    expect((error as Error).message).toBe(
      'The operating system could not open "deck.pptx": No application knows how to open this file',
    );
  });

  it('reports a file removed from the cache between lookup and copy as not in the cache', async () => {
    const { sha256, file } = await cache.add(randomBytes(1024));
    const racing = createLaunchHandover({
      cache: cache.lookup,
      // The temp root is read after the cache entry was found and stat'ed: gc strikes right then.
      tempRoot: () => (rmSync(file), tempRoot),
      opener: recordingOpener,
    });
    await expect(racing.open({ sha256, filename: 'deck.pptx' })).rejects.toBeInstanceOf(NotInCacheError);
    expect(opened).toEqual([]);
    expect(await listTree(tempRoot)).toEqual([]);
  });

  it('gives two simultaneous clicks on one file the same single copy', async () => {
    const bytes = randomBytes(512 * 1024);
    const { sha256 } = await cache.add(bytes);
    const [a, b] = await Promise.all([
      handover.open({ sha256, filename: 'deck.pptx' }),
      handover.open({ sha256, filename: 'deck.pptx' }),
    ]);
    expect(a.path).toBe(b.path);
    expect(await listTree(tempRoot)).toEqual([path.join(shortHash(sha256), 'deck.pptx')]);
  });

  it('uses the temp root of the moment, so a new device record takes effect at the next launch', async () => {
    const { sha256 } = await cache.add(randomBytes(16));
    const other = path.join(base, 'launch', 'other');
    let root = tempRoot;
    const moving = createLaunchHandover({ cache: cache.lookup, tempRoot: () => root, opener: recordingOpener });
    root = other;
    expect(path.dirname(path.dirname((await moving.open({ sha256, filename: 'a.pptx' })).path))).toBe(other);
  });
});

describe('launchTempRoot', () => {
  it('takes an absolute host_file_temp_path from the device record and ignores anything else', () => {
    expect(launchTempRoot({ host_file_temp_path: '/srv/launch' }, '/default')).toBe('/srv/launch');
    expect(launchTempRoot({ host_file_temp_path: 'relative/dir' }, '/default')).toBe('/default');
    expect(launchTempRoot({ host_file_temp_path: 42 }, '/default')).toBe('/default');
    expect(launchTempRoot({}, '/default')).toBe('/default');
    expect(launchTempRoot(null, '/default')).toBe('/default');
    expect(launchTempRoot({ host_file_temp_path: '/' }, '/default')).toBe('/default');
    expect(launchTempRoot({ host_file_temp_path: '/srv/../' }, '/default')).toBe('/default');
    expect(launchTempRoot({ host_file_temp_path: '/srv/x/../launch' }, '/default')).toBe('/srv/launch');
  });
});
