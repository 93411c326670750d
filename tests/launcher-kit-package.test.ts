import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useCleanups } from './support/cleanups';

/**
 * `npm pack` of the launcher kit: what a SvelteKit app installs. Its contents must be page code and
 * declarations only, and the declarations must reach nothing outside the package but its npm
 * dependencies (no main-process module of the app, however indirectly).
 */

const run = promisify(execFile);
const KIT = fileURLToPath(new URL('../launcher-kit/', import.meta.url));
const cleanups = useCleanups();

/** Every module specifier a .d.ts or .js file names: `from '…'`, `import('…')`, `require('…')`. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(
    /\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm,
  )) {
    found.push((m[1] ?? m[2] ?? m[3] ?? m[4])!);
  }
  return found;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

describe('the launcher kit package', () => {
  it('packs into a tarball of page code and self-contained declarations', async () => {
    const out = await cleanups.tempDir('aether-kit-pack-');
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', out], { cwd: KIT, timeout: 120_000 });
    const [report] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [
      { filename: string; size: number; unpackedSize: number; files: { path: string }[] },
    ];
    const tarball = path.join(out, path.basename(report.filename));
    const size = (await stat(tarball)).size;
    console.log(
      `[figures] launcher kit tarball: ${size} bytes packed, ${report.unpackedSize} unpacked, ${report.files.length} files`,
    );

    const files = report.files.map((f) => f.path).sort();
    for (const file of files)
      expect(file, file).toMatch(/^(package\.json|README\.md|dist\/(vendor\/)?[a-z-]+\.(js|d\.ts))$/);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');

    const manifest = JSON.parse(await readFile(path.join(KIT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
      exports: Record<string, { types?: string; default?: string } | string>;
      types: string;
    };
    const allowed = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]);
    expect(files).toContain(manifest.types.replace(/^\.\//, ''));

    // Look inside what was packed, not at the source tree.
    const unpacked = await cleanups.tempDir('aether-kit-unpacked-');
    await run('tar', ['-xzf', tarball, '-C', unpacked]);
    const root = path.join(unpacked, 'package');
    const dist = path.join(root, 'dist');
    const names = (await readdir(dist, { recursive: true })).filter((n) => /\.(js|d\.ts)$/.test(n));
    // The bridge link is vendored: depending on electron-trpc would install Electron (its peer) into every launcher.
    expect(names).toContain(path.join('vendor', 'electron-trpc-renderer.js'));
    for (const name of names) {
      const source = await readFile(path.join(dist, name), 'utf8');
      expect(source, `${name} imports electron`).not.toMatch(/from ['"]electron['"]|require\(['"]electron['"]\)/);
      for (const marker of [
        'ipcMain',
        'createIPCHandler',
        'node:fs',
        'node:child_process',
        'aether_api_key',
        'safeStorage',
      ])
        expect(source, `${name}: ${marker}`).not.toContain(marker);
      for (const spec of specifiers(source)) {
        if (spec.startsWith('.')) {
          const target = path.resolve(
            path.dirname(path.join(dist, name)),
            spec.endsWith('.js') && name.endsWith('.d.ts') ? spec.replace(/\.js$/, '.d.ts') : spec,
          );
          expect(target.startsWith(root + path.sep), `${name} imports ${spec}, outside the package`).toBe(true);
          await expect(stat(target), `${name} imports ${spec}, which is not in the tarball`).resolves.toBeTruthy();
        } else {
          expect(allowed.has(packageName(spec)), `${name} imports ${spec}, which is not a declared dependency`).toBe(
            true,
          );
        }
      }
    }
  }, 180_000);
});
