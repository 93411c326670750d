import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { PlatformPaths } from '../base/platform';
import { seedErrorFor } from './seed-errors';
import { type LoadedSeed, type SeedFileReader, loadSeed } from './seed-load';

export type SeedSource = 'argument' | 'environment' | 'development-home' | 'os-config';

/** Where the seed was found and why that location was chosen. */
export interface SeedLocation {
  path: string;
  source: SeedSource;
  reason: string;
}

export interface SeedDiscoveryInput {
  /** `--seed <path>`; relative paths are taken from `cwd`. */
  seedArg?: string;
  env: Record<string, string | undefined>;
  /** A packaged build never reads `~/seed.json` (DESIGN §4 step 2). */
  packaged: boolean;
  paths: Pick<PlatformPaths, 'devSeedPath' | 'seedConfigPath'>;
  cwd?: string;
  home?: string;
}

interface Candidate extends SeedLocation {
  explicit: boolean;
}

function candidates(input: SeedDiscoveryInput): Candidate[] {
  const cwd = input.cwd ?? process.cwd();
  const list: Candidate[] = [];
  if (input.seedArg)
    list.push({
      path: path.resolve(cwd, input.seedArg),
      source: 'argument',
      reason: 'given with --seed',
      explicit: true,
    });
  else if (input.env.AETHER_SEED)
    list.push({
      path: path.resolve(cwd, input.env.AETHER_SEED),
      source: 'environment',
      reason: 'named by AETHER_SEED',
      explicit: true,
    });
  if (!input.packaged)
    list.push({
      path: input.paths.devSeedPath,
      source: 'development-home',
      reason: 'development build: seed.json in the home folder',
      explicit: false,
    });
  list.push({ path: input.paths.seedConfigPath, source: 'os-config', reason: 'the OS config path', explicit: false });
  return list;
}

/** Every location discovery looks at, in order, for messages such as "no seed found in ...". */
export function seedSearchOrder(input: SeedDiscoveryInput): string[] {
  return candidates(input).map((c) => c.path);
}

/**
 * The first seed location that exists, or null when none does (zero-touch provisioning takes over).
 * An explicit `--seed`/`AETHER_SEED` that does not exist is an error, never a fall-through: the
 * operator asked for that file. Anything present at a location counts as found, even a folder or an
 * unreadable file, so loading reports what is wrong with it instead of silently using the next one.
 */
export async function discoverSeed(input: SeedDiscoveryInput): Promise<SeedLocation | null> {
  for (const { explicit, ...location } of candidates(input)) {
    if (await isPresent(location.path)) return location;
    if (explicit) {
      throw seedErrorFor(location.path, input.home, {
        problem: `does not exist (${location.reason})`,
        fix: 'Check the path, or leave it out to use the default locations.',
      });
    }
  }
  return null;
}

async function isPresent(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR';
  }
}

export interface FoundSeed extends LoadedSeed {
  location: SeedLocation;
}

export interface SeedFinderOptions {
  logger: Logger;
  defaultApiUrl: string;
  reader?: SeedFileReader;
}

/** Discovery and loading together: what bootstrap calls on each attempt. Throws SeedError for a bad seed. */
export function seedFinder(input: SeedDiscoveryInput, options: SeedFinderOptions): () => Promise<FoundSeed | null> {
  return async () => {
    const location = await discoverSeed(input);
    if (!location) return null;
    const loaded = await loadSeed(location.path, { ...options, ...(input.home ? { home: input.home } : {}) });
    return { ...loaded, location };
  };
}
