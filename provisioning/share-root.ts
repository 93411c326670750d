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

export type ShareSource = 'option' | 'environment' | 'home' | 'sync-folder';

export interface ShareCandidate {
  path: string;
  source: ShareSource;
}

export interface ShareQuery {
  /** `--share DIR` of the CLI, if given. */
  option?: string | undefined;
  /** Candidates in the app's order (`platformPaths().shareCandidates`: `AETHER_SHARE` first when set). */
  paths: Pick<PlatformPaths, 'shareCandidates'>;
  env: Record<string, string | undefined>;
  /**
   * `read`: the first candidate that exists, as the app picks it. `write`: a share named by
   * `--share` or `AETHER_SHARE` is used or refused, never swapped for another one that happens to
   * exist, so a typo cannot publish into the wrong share.
   */
  purpose: 'read' | 'write';
}

/** A share that was named but is not there, or none of the defaults exists: nothing is created. */
export class ShareNotFoundError extends Error {
  override name = 'ShareNotFoundError';
  constructor(
    message: string,
    readonly candidates: readonly ShareCandidate[],
  ) {
    super(message);
  }
}

/** Where the share may be, in order, each with why it is a candidate. */
export function shareCandidatesOf(query: Pick<ShareQuery, 'option' | 'paths' | 'env'>): ShareCandidate[] {
  const fromPaths = shareCandidatesFrom(query.paths);
  const fromEnv = query.env.AETHER_SHARE ? 1 : 0;
  const defaults: ShareSource[] = ['home', 'sync-folder'];
  const listed = fromPaths.map((p, i): ShareCandidate => ({
    path: p,
    source: i < fromEnv ? 'environment' : (defaults[i - fromEnv] ?? 'sync-folder'),
  }));
  return query.option ? [{ path: path.resolve(query.option), source: 'option' }, ...listed] : listed;
}

async function isFolder(p: string): Promise<boolean> {
  return fs.stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/**
 * The one way every ops command finds the share: `--share`, else `AETHER_SHARE`, else
 * `~/admin_share`, else `~/Sync/admin_share`. `--share` must exist; see `ShareQuery.purpose` for
 * `AETHER_SHARE`. Never creates a folder.
 */
export async function resolveShare(query: ShareQuery): Promise<ShareCandidate> {
  const candidates = shareCandidatesOf(query);
  const named = candidates.filter(
    (c) => c.source === 'option' || (query.purpose === 'write' && c.source === 'environment'),
  );
  const first = named[0];
  if (first) {
    if (await isFolder(first.path)) return first;
    const how = first.source === 'option' ? '--share' : 'AETHER_SHARE';
    throw new ShareNotFoundError(
      `the share ${first.path} (from ${how}) does not exist or is not a folder. Check the path; the share is the Syncthing folder and is never created by this tool.`,
      candidates,
    );
  }
  for (const candidate of candidates) if (await isFolder(candidate.path)) return candidate;
  throw new ShareNotFoundError(
    `no share folder found (looked at ${candidates.map((c) => c.path).join(', ')}); pass --share DIR or set AETHER_SHARE.`,
    candidates,
  );
}
