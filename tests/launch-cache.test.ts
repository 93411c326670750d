import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { staticFileSource } from '../cache/file-source';
import { type Cache, openCache } from '../cache/service';
import { createLaunchHandover, NotInCacheError } from '../kiosk/launch-handover';
import { makeTempDir, sha256Of } from './launch-fixtures';

let base: string;
let cache: Cache | undefined;
let opened: string[];

/** Writes bytes straight to a final cache name, as a crash, a manual copy or an attacker could. */
async function plant(root: string, sha256: string, bytes: Buffer): Promise<string> {
  const file = path.join(root, sha256.slice(0, 2), `${sha256}.file`);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, bytes);
  return file;
}

async function launcherOver(root: string) {
  // Nothing listens on the discard port: these tests never download, they only adopt what is on disk.
  cache = await openCache({ root, source: staticFileSource(['http://127.0.0.1:9'], null), logger: silentLogger() });
  const handover = createLaunchHandover({
    cache,
    tempRoot: () => path.join(base, 'launch'),
    opener: async (p) => void opened.push(p),
  });
  return { cache, handover };
}

beforeEach(async () => {
  base = await makeTempDir('launch-cache');
  opened = [];
});

afterEach(async () => {
  await cache?.close();
  cache = undefined;
  await fs.rm(base, { recursive: true, force: true });
});

describe('launch handover over the real cache store', () => {
  it('will not launch a file at a final name until the store has verified its hash', async () => {
    const root = path.join(base, 'cache');
    const bytes = randomBytes(8192);
    const sha256 = sha256Of(bytes);
    await plant(root, sha256, bytes);
    const { cache: store, handover } = await launcherOver(root);

    await expect(handover.open({ sha256, filename: 'deck.pptx' })).rejects.toBeInstanceOf(NotInCacheError);
    await store.fetch({ sha256, size: bytes.length });
    const result = await handover.open({ sha256, filename: 'deck.pptx' });

    expect((await fs.readFile(result.path)).equals(bytes)).toBe(true);
    expect(opened).toEqual([result.path]);
  });

  it('never launches a planted file whose bytes do not match its name', async () => {
    const root = path.join(base, 'cache');
    const claimed = sha256Of(Buffer.from('the real deck'));
    await plant(root, claimed, Buffer.from('something else entirely'));
    const { handover } = await launcherOver(root);

    await expect(handover.open({ sha256: claimed, filename: 'deck.pptx' })).rejects.toBeInstanceOf(NotInCacheError);
    expect(opened).toEqual([]);
  });
});
