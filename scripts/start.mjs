#!/usr/bin/env node
// Runs the built app in Electron, forwarding arguments: `npm start -- --demo`.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

// Reads what `require('electron')` would return without requiring it: from Electron 42 on, requiring
// it starts a download when the binary is missing.
function electronBinary() {
  try {
    const packageDir = path.dirname(require.resolve('electron/package.json'));
    const relative = readFileSync(path.join(packageDir, 'path.txt'), 'utf8').trim();
    const binary = path.join(packageDir, 'dist', relative);
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
if (!binary) {
  process.stderr.write(
    'Aether Native cannot start: the Electron binary is not installed. Electron 42 and later download their ' +
      'binary the first time they run, which a normal machine with internet access does by itself; this ' +
      'environment cannot download it. The build in dist/ is ready: run `npm start -- --demo` on a machine ' +
      'with network access, or run the tests (`npm test`), which drive the app through a fake electron module.\n',
  );
  process.exit(1);
}

const child = spawn(binary, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
