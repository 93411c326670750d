#!/usr/bin/env node
// Bundles the desktop app: main (node, cjs), preload (sandboxed: everything bundled but electron), splash page.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { tsImport } from 'tsx/esm/api';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = process.env.AETHER_BUILD_OUT ? path.resolve(process.env.AETHER_BUILD_OUT) : path.join(root, 'dist');
const desktop = path.join(root, 'apps', 'desktop');
const common = { bundle: true, logLevel: 'warning', sourcemap: true, legalComments: 'none' };

await mkdir(path.join(outDir, 'splash'), { recursive: true });
await mkdir(path.join(outDir, 'demo'), { recursive: true });
const { buildLauncherBundle } = await tsImport('../apps/simulator/demo-page/bundle.ts', import.meta.url);
await Promise.all([
  build({
    ...common,
    entryPoints: [path.join(desktop, 'main.ts')],
    outfile: path.join(outDir, 'main.cjs'),
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    // The embedded simulator (--demo) serves the demo page prebuilt below; its run-time compiler stays out.
    external: ['electron', 'esbuild', 'esbuild-svelte', 'svelte', 'svelte/*'],
    // Only the simulator's run-time page compiler reads import.meta, and main never calls it.
    logOverride: { 'empty-import-meta': 'silent' },
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
  buildLauncherBundle().then((script) => writeFile(path.join(outDir, 'demo', 'launcher.js'), script)),
]);
console.log(`built ${path.relative(root, outDir) || '.'}/main.cjs, preload.cjs, splash/, demo/launcher.js`);
