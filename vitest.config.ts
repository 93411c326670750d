import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The Electron binary cannot run here: tests drive the edge through a fake module (DESIGN §11).
    alias: { electron: fileURLToPath(new URL('./tests/fakes/electron.ts', import.meta.url)) },
  },
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    // Fails the run if any test leaves a file or folder in the temp folder (tests/support/no-leftovers.global.ts).
    globalSetup: ['tests/support/no-leftovers.global.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // electron-trpc imports `electron` itself: inlined, its import goes through the alias above too.
    server: { deps: { inline: ['electron-trpc'] } },
  },
});
