import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../base/logger';
import type { LoadedSeed } from '../../provisioning/seed-load';
import { loadSeed } from '../../provisioning/seed-load';

/**
 * Where this start's seed comes from (DESIGN §4 step 2): `--demo`, or a development build with no
 * seed, uses the embedded simulator's demo seed; otherwise discovery's answer. Every seed's API key
 * is reported to `onApiKey` so the logger can mask it.
 */
export interface SeedSourceDeps {
  demo: boolean;
  packaged: boolean;
  discover: () => Promise<LoadedSeed | null>;
  /** Starts the embedded simulator and returns its demo seed (apps/simulator `demoSeed()`). */
  startDemo: () => Promise<unknown>;
  stateDir: string;
  defaultApiUrl: string;
  logger: Logger;
  onApiKey: (key: string) => void;
}

export function createSeedSource(deps: SeedSourceDeps): () => Promise<LoadedSeed | null> {
  const report = (seed: LoadedSeed | null) => {
    const key = seed?.seed.aether_api_key;
    if (key) deps.onApiKey(key);
    return seed;
  };
  return async () => {
    if (!deps.demo) {
      const found = await deps.discover();
      if (found || deps.packaged) return report(found);
      deps.logger.info('development build without a seed: starting the embedded simulator (as with --demo)');
    }
    const file = path.join(deps.stateDir, 'demo-seed.json');
    await mkdir(deps.stateDir, { recursive: true });
    await writeFile(file, JSON.stringify(await deps.startDemo(), null, 2));
    return report(await loadSeed(file, { logger: deps.logger, defaultApiUrl: deps.defaultApiUrl }));
  };
}
