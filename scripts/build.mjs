#!/usr/bin/env node
// Bundles the desktop app: main (node, cjs), preload (sandboxed: everything bundled but electron), splash page.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = process.env.AETHER_BUILD_OUT ? path.resolve(process.env.AETHER_BUILD_OUT) : path.join(root, 'dist');
const desktop = path.join(root, 'apps', 'desktop');
const common = { bundle: true, logLevel: 'warning', sourcemap: true, legalComments: 'none' };

await mkdir(path.join(outDir, 'splash'), { recursive: true });
await Promise.all([
  build({
    ...common,
    entryPoints: [path.join(desktop, 'main.ts')],
    outfile: path.join(outDir, 'main.cjs'),
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    // The embedded simulator bundles its demo page at run time with esbuild (development and --demo only).
    external: ['electron', 'esbuild', 'esbuild-svelte', 'svelte', 'svelte/*'],
  }),
  build({
    ...common,
    entryPoints: [path.join(desktop, 'preload.ts')],
    outfile: path.join(outDir, 'preload.cjs'),
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['electron'],
  }),
  build({
    ...common,
    entryPoints: [path.join(desktop, 'splash', 'splash.ts')],
    outfile: path.join(outDir, 'splash', 'splash.js'),
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
  }),
  copyFile(path.join(desktop, 'splash', 'index.html'), path.join(outDir, 'splash', 'index.html')),
]);
console.log(`built ${path.relative(root, outDir) || '.'}/main.cjs, preload.cjs, splash/`);
