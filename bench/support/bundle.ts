// Bundles a contender's child script to one CommonJS file with esbuild, as scripts/build.mjs bundles
// the app: the child then runs as plain `node file.cjs`, so neither its timing nor its peak RSS
// includes tsx's on-the-fly TypeScript transform, which the packaged app does not have.
import { build } from 'esbuild';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export async function bundleScript(entry: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aether-bench-bundle-'));
  const outfile = path.join(dir, `${path.basename(entry, '.ts')}.cjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'error',
  });
  return outfile;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
