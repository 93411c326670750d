#!/usr/bin/env node
// Runs the built app in Electron, forwarding arguments: `npm start -- --demo`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SEE_WITHOUT_ELECTRON, downloadSource, firstReason, isNetworkFailure } from './no-network.mjs';

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
  if (result.status === 0) return { binary: electronBinary() };
  return { failure: firstReason(result.stderr ?? '') || `the download exited with code ${result.status}` };
}

function electronVersion() {
  return JSON.parse(readFileSync(path.join(electronPackageDir(), 'package.json'), 'utf8')).version;
}

function cannotStart(failure) {
  const version = electronVersion();
  const source = downloadSource(process.env, 'ELECTRON_MIRROR', "Electron's GitHub releases");
  const why = isNetworkFailure(failure)
    ? `this machine cannot reach ${source} (${failure})`
    : `the download failed: ${failure}`;
  return [
    `Aether Native cannot start: the Electron ${version} binary is not installed yet, and ${why}.`,
    '',
    SEE_WITHOUT_ELECTRON,
    '',
    `To run the app itself, run \`npm start\` once with access to ${source}: the binary is then cached`,
    '(~/.cache/electron, or electron_config_cache) and later starts need no network. ELECTRON_MIRROR points',
    'the download at a mirror you can reach. The tests need no Electron binary: `npm test`.',
    '',
  ].join('\n');
}

const downloaded = electronBinary() ? { binary: electronBinary() } : downloadElectron();
if (!downloaded.binary) {
  process.stderr.write(cannotStart(downloaded.failure ?? 'the binary was not where the download put it'));
  process.exit(1);
}

const child = spawn(downloaded.binary, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
