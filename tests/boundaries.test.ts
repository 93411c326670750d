import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useCleanups } from './support/cleanups';

/**
 * The dependency rules of .dependency-cruiser.cjs, run as CI runs them (`npm run lint:deps`): the real
 * tree passes, and a tree with one deliberately broken import per rule fails on exactly that rule.
 */
const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '..');
const depcruise = path.join(repo, 'node_modules', '.bin', 'depcruise');

async function cruise(cwd: string, folders: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(depcruise, ['--config', '.dependency-cruiser.cjs', ...folders], { cwd });
    return { code: 0, out: stdout };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

async function lintedFolders(): Promise<string[]> {
  const script = JSON.parse(await fs.readFile(path.join(repo, 'package.json'), 'utf8')).scripts['lint:deps'] as string;
  return script.split(' ').filter((word) => /^[a-z][a-z-]*$/.test(word) && word !== 'depcruise');
}

describe('dependency rules', () => {
  const cleanups = useCleanups();

  it('lint:deps covers every production folder of the tree', async () => {
    const folders = await lintedFolders();
    const entries = await fs.readdir(repo, { withFileTypes: true });
    const notProduction = new Set([
      'tests',
      'bench',
      'docs',
      'scripts',
      'bin',
      'build',
      'node_modules',
      'dist',
      'release',
      'examples',
    ]);
    const production = entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !notProduction.has(e.name))
      .map((e) => e.name);
    expect(folders.sort()).toEqual(production.sort());
  });

  it('the real tree has no violation', async () => {
    const { code, out } = await cruise(repo, await lintedFolders());
    expect(out).toContain('no dependency violations found');
    expect(code).toBe(0);
  });

  it('a deliberately broken import fails on the rule it breaks', async () => {
    const tree = await cleanups.tempDir('aether-boundaries-');
    await fs.copyFile(path.join(repo, '.dependency-cruiser.cjs'), path.join(tree, '.dependency-cruiser.cjs'));
    await fs.writeFile(
      path.join(tree, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler' } }),
    );
    const files: Record<string, string> = {
      'apps/desktop/main.ts': `import { app } from 'electron';\nexport const main = app;\n`,
      'base/logger.ts': `import { seed } from '../contracts/seed';\nexport const logger = seed;\n`,
      'contracts/seed.ts': `import { watch } from '../provisioning/watch';\nexport const seed = watch;\n`,
      'provisioning/watch.ts': `import { main } from '../apps/desktop/main';\nimport { app } from 'electron';\nexport const watch = [main, app];\n`,
      'cache/store.ts': `import { route } from '../router/index';\nexport const store = route;\n`,
      'router/index.ts': `import { main } from '../apps/desktop/main';\nexport const route = main;\n`,
      // A resolvable stand-in, so the electron rule is what fires (not the unresolvable-import rule).
      'node_modules/electron/package.json': JSON.stringify({ name: 'electron', main: 'index.js' }),
      'node_modules/electron/index.js': 'module.exports = {};\n',
    };
    for (const [file, text] of Object.entries(files)) {
      await fs.mkdir(path.dirname(path.join(tree, file)), { recursive: true });
      await fs.writeFile(path.join(tree, file), text);
    }
    const { code, out } = await cruise(tree, ['apps', 'base', 'contracts', 'provisioning', 'cache', 'router']);
    expect(code).not.toBe(0);
    const violations = [...out.matchAll(/error ([\w-]+): (\S+) → (\S+)/g)]
      .map((m) => `${m[1]}: ${m[2]} → ${m[3]}`)
      .sort();
    expect(violations).toEqual(
      [
        'base-imports-nothing: base/logger.ts → contracts/seed.ts',
        'contracts-only-base: contracts/seed.ts → provisioning/watch.ts',
        'core-folders-stay-below-the-edges: provisioning/watch.ts → apps/desktop/main.ts',
        'nothing-imports-the-edges: provisioning/watch.ts → apps/desktop/main.ts',
        'electron-only-at-the-edge: provisioning/watch.ts → node_modules/electron/index.js',
        'core-folders-stay-below-the-edges: cache/store.ts → router/index.ts',
        'router-is-thin: router/index.ts → apps/desktop/main.ts',
        'nothing-imports-the-edges: router/index.ts → apps/desktop/main.ts',
      ].sort(),
    );
  });
});
