import { afterEach } from 'vitest';
import { makeTempDir } from '../share-watcher-helpers';

export interface Cleanups {
  push(cleanup: () => unknown): void;
  /** A fresh folder under the OS temp dir, removed after the test. */
  tempDir(prefix: string): Promise<string>;
}

/**
 * Registers an afterEach that runs what the test pushed, newest first: a watcher or server pushed
 * after its folder closes before the folder is removed.
 */
export function useCleanups(): Cleanups {
  const pending: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of pending.splice(0).reverse()) await cleanup();
  });
  return {
    push: (cleanup) => void pending.push(cleanup),
    async tempDir(prefix) {
      const { dir, cleanup } = await makeTempDir(prefix);
      pending.push(cleanup);
      return dir;
    },
  };
}
