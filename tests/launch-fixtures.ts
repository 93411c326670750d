import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CacheLookup } from '../kiosk/launch-handover';

/** A real cache layout on disk (DESIGN §6): `<root>/<first two hex>/<sha256>.file`. */
export interface CacheFixture {
  root: string;
  add(bytes: Buffer): Promise<{ sha256: string; file: string }>;
  lookup: CacheLookup;
}

export async function makeTempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `aether-${prefix}-`));
}

export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function makeCache(root: string): Promise<CacheFixture> {
  await fs.mkdir(root, { recursive: true });
  const fileOf = (sha256: string) => path.join(root, sha256.slice(0, 2), `${sha256}.file`);
  return {
    root,
    async add(bytes) {
      const sha256 = sha256Of(bytes);
      const file = fileOf(sha256);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, bytes);
      return { sha256, file };
    },
    lookup: {
      async pathOf(sha256) {
        const file = fileOf(sha256);
        return (await fs.stat(file).catch(() => null))?.isFile() ? file : null;
      },
    },
  };
}

/** Every regular file and symlink under a folder, as paths relative to it. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}
