import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../base/logger';
import type { LoadedSeed } from '../provisioning/seed-load';
import { loadSeed } from '../provisioning/seed-load';

/**
 * Where this start's seed comes from (DESIGN §4 step 2): a demo seed (`--demo`, or a development
 * build with no seed, when the edge can start the embedded simulator), else discovery's answer.
 * Every seed's API key is reported to `onApiKey` so the logger can mask it. It also records whether
 * the last lookup found nothing anywhere, so the identity stream can say `no-seed` as a typed code.
 */
export interface SeedChoiceDeps {
  demo: boolean;
  packaged: boolean;
  discover: () => Promise<LoadedSeed | null>;
  /** Starts the embedded simulator and returns its demo seed (apps/simulator `demoSeed()`); null when this edge has none. */
  startDemo: (() => Promise<unknown>) | null;
  stateDir: string;
  defaultApiUrl: string;
  logger: Logger;
  onApiKey: (key: string) => void;
}

export interface SeedChoice {
  find(): Promise<LoadedSeed | null>;
  /** True when the last `find()` found no seed anywhere. */
  missing(): boolean;
}

export function createSeedSource(deps: SeedChoiceDeps): SeedChoice {
  let missing = false;
  const report = (seed: LoadedSeed | null) => {
    missing = seed === null;
    const key = seed?.seed.aether_api_key;
    if (key) deps.onApiKey(key);
    return seed;
  };
  return {
    missing: () => missing,
    async find() {
      missing = false;
      if (!deps.demo) {
        const found = await deps.discover();
        if (found || deps.packaged || !deps.startDemo) return report(found);
        deps.logger.info('development build without a seed: starting the embedded simulator (as with --demo)');
      }
      if (!deps.startDemo)
        throw new Error('a demo seed was asked for, but this process cannot start the embedded simulator');
      const file = path.join(deps.stateDir, 'demo-seed.json');
      await mkdir(deps.stateDir, { recursive: true });
      await writeFile(file, JSON.stringify(await deps.startDemo(), null, 2));
      return report(await loadSeed(file, { logger: deps.logger, defaultApiUrl: deps.defaultApiUrl }));
    },
  };
}
