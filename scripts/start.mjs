#!/usr/bin/env node
// Runs the built app in Electron, forwarding arguments: `npm start -- --demo`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

// Reads what `require('electron')` would return without requiring it, so a failed first-run download
// ends in a clear message instead of a stack trace.
function electronPackageDir() {
  return path.dirname(require.resolve('electron/package.json'));
}

function electronBinary() {
  try {
    const packageDir = electronPackageDir();
    const relative = readFileSync(path.join(packageDir, 'path.txt'), 'utf8').trim();
    const binary = path.join(packageDir, 'dist', relative);
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

// Electron 42 and later fetch their binary on first run rather than at install.
function downloadElectron() {
  process.stderr.write('Downloading the Electron binary (first run only)...\n');
  const result = spawnSync(process.execPath, [path.join(electronPackageDir(), 'install.js')], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status === 0) return electronBinary();
  const reason = (result.stderr ?? '').split('\n').find((line) => line.trim()) ?? `exit code ${result.status}`;
  process.stderr.write(`The download failed: ${reason.trim()}\n`);
  return null;
}

const binary = electronBinary() ?? downloadElectron();
if (!binary) {
  process.stderr.write(
    'Aether Native cannot start: the Electron binary is not installed and could not be downloaded. ' +
      'Electron downloads its binary the first time the app runs, which needs access to its release ' +
      'downloads; this environment has none. The build in dist/ is ready: run `npm start -- --demo` on a ' +
      'machine with network access, or run the tests (`npm test`), which drive the app through a fake ' +
      'electron module.\n',
  );
  process.exit(1);
}

const child = spawn(binary, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
