import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { PlatformPaths } from '../base/platform';

/**
 * The Syncthing share (DESIGN §8): `AETHER_SHARE`, else `~/admin_share`, else `~/Sync/admin_share`
 * (the order of `platformPaths().shareCandidates`). The first one that exists is the share; when none
 * exists yet, the first candidate is where the app waits for it.
 */
export async function findShareRoot(candidates: readonly string[]): Promise<string | null> {
  for (const candidate of candidates) {
    try {
      if ((await fs.stat(candidate)).isDirectory()) return candidate;
    } catch {
      // Not there (yet): try the next one.
    }
  }
  return null;
}

export async function preferredShareRoot(candidates: readonly string[]): Promise<string> {
  const found = await findShareRoot(candidates);
  const first = candidates[0];
  if (found) return found;
  if (!first) throw new Error('No share folder candidates were given.');
  return first;
}

export function shareCandidatesFrom(paths: Pick<PlatformPaths, 'shareCandidates'>): string[] {
  return paths.shareCandidates.map((p) => path.resolve(p));
}

export const SEEDS_DIR_NAME = 'seeds';

export function seedFileName(normalisedHostname: string): string {
  return `seed_${normalisedHostname}.json`;
}
