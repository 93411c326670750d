#!/usr/bin/env node
// Runs electron-builder with electron-builder.yml, forwarding arguments (`npm run dist -- --linux AppImage`).
// Its progress lines pass through as they come; a failure's stack trace is held back: a download that
// could not happen (no network) ends in one plain explanation, any other failure is printed whole.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SEE_WITHOUT_ELECTRON, downloadSource, firstReason, isNetworkFailure } from './no-network.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const builderCli = require.resolve('electron-builder/cli.js');
const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;

const child = spawn(
  process.execPath,
  [builderCli, '--config', path.join(root, 'electron-builder.yml'), ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  },
);

// electron-builder reports a failure as a line starting with ⨯, followed by the stack trace. After a
// failed download it then idles for about 30 s before exiting (a pending timer): once it has said it
// failed, it gets a few seconds to clean up and is then stopped.
const FAILED_EXIT_GRACE_MS = 5_000;
const held = [];
function relay(stream, out) {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (held.length === 0 && /^\s*⨯/.test(line)) setTimeout(() => child.kill('SIGTERM'), FAILED_EXIT_GRACE_MS).unref();
    if (held.length > 0 || /^\s*⨯/.test(line)) held.push(line);
    else out.write(`${line}\n`);
  });
  return new Promise((resolve) => lines.on('close', resolve));
}

function noNetworkMessage(reason) {
  const electron = downloadSource(process.env, 'ELECTRON_MIRROR', "Electron's GitHub releases");
  const tools = downloadSource(process.env, 'ELECTRON_BUILDER_BINARIES_MIRROR', "electron-builder's GitHub releases");
  return [
    `npm run dist stopped: electron-builder could not download what it packages with (${reason}).`,
    `It needs the Electron ${electronVersion} zip of each target platform and architecture (from ${electron}) and,`,
    `for AppImage, deb, dmg and nsis, its packaging tools (from ${tools}). Both are cached after one`,
    'successful run (~/.cache/electron and ~/.cache/electron-builder on Linux, ~/Library/Caches/… on macOS),',
    'so run it once with network access, or point ELECTRON_MIRROR and ELECTRON_BUILDER_BINARIES_MIRROR at',
    'mirrors you can reach. Release builds are made as docs/RELEASING.md describes. The bundles in dist/ are built.',
    '',
    SEE_WITHOUT_ELECTRON,
    '',
  ].join('\n');
}

const [code] = await Promise.all([
  new Promise((resolve) => child.on('close', (exitCode, signal) => resolve(signal ? 1 : (exitCode ?? 1)))),
  relay(child.stdout, process.stdout),
  relay(child.stderr, process.stderr),
]);

if (code !== 0) {
  const failure = held.join('\n');
  if (isNetworkFailure(failure)) process.stderr.write(noNetworkMessage(firstReason(failure)));
  else process.stderr.write(failure ? `${failure}\n` : `electron-builder exited with code ${code}\n`);
} else if (held.length > 0) {
  process.stderr.write(`${held.join('\n')}\n`);
}
process.exit(code);
