#!/usr/bin/env node
/**
 * `npm run lint:security`: runs Electronegativity over the Electron-facing source and compares its
 * findings with the accepted list in docs/security-findings.json (each entry carries its reason, and
 * docs/SECURITY.md explains them). A finding not on the list, or an accepted entry that no longer
 * occurs, exits 1. Electronegativity reads TypeScript directly, so the source is scanned as written.
 *
 * Options: --input <dir> (repeatable; adds a folder to scan), --json (machine-readable result).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SCANNED = ['apps/desktop', 'kiosk', 'router'];
const ACCEPTED_FILE = path.join(ROOT, 'docs', 'security-findings.json');
const CLI = path.join(ROOT, 'node_modules', '@doyensec', 'electronegativity', 'dist', 'index.js');
const ELECTRON_VERSION = JSON.parse(
  readFileSync(path.join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8'),
).version;

// Electronegativity fetches translations and Electron's release list on every run; the scan must be
// offline and deterministic, so every socket of the scanner process fails at once and it falls back
// to its bundled data.
const OFFLINE = `data:text/javascript,${encodeURIComponent(
  "import net from 'node:net'; net.Socket.prototype.connect = function () { process.nextTick(() => this.destroy(Object.assign(new Error('offline security scan'), { code: 'ENETUNREACH' }))); return this; };",
)}`;

function parseArgs(argv) {
  const inputs = [...SCANNED];
  let json = false;
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--json') json = true;
    else if (argv[i] === '--input' && argv[i + 1]) inputs.push(argv[(i += 1)]);
    else throw new Error(`unknown argument: ${argv[i]}`);
  }
  return { inputs, json };
}

/** One scan over a copy of all inputs, so global checks (CSP, navigation, permissions) see the whole app. */
function scan(inputs) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aether-eneg-'));
  const tree = path.join(dir, 'src');
  const out = path.join(dir, 'findings.sarif');
  try {
    for (const input of inputs) {
      const absolute = path.resolve(ROOT, input);
      const relative = path.relative(ROOT, absolute);
      const target = relative.startsWith('..')
        ? path.join(tree, 'extra', path.basename(absolute))
        : path.join(tree, relative);
      if (existsSync(absolute)) cpSync(absolute, target, { recursive: true });
    }
    const run = spawnSync(
      process.execPath,
      ['--import', OFFLINE, CLI, '-i', tree, '-o', out, '-v', 'false', '-e', ELECTRON_VERSION],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, LANG: 'en-US' },
      },
    );
    let sarif;
    try {
      sarif = JSON.parse(readFileSync(out, 'utf8'));
    } catch {
      throw new Error(
        `electronegativity produced no report (exit ${run.status}): ${(run.stderr || run.stdout).slice(-500)}`,
      );
    }
    return sarif.runs
      .flatMap((r) => r.results)
      .map((result) => {
        const uri = result.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? 'N/A';
        const local = uri.replace(/^file:\/\//, '');
        const file =
          local === '' || local === '/' || uri === 'N/A'
            ? '(global)'
            : path.relative(tree, path.resolve(tree, local)).split(path.sep).join('/');
        return { check: result.ruleId, file };
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const key = (f) => `${f.check} ${f.file}`;

export function compare(findings, accepted) {
  const acceptedKeys = new Set(accepted.map(key));
  const foundKeys = new Set(findings.map(key));
  return {
    unaccepted: [...foundKeys].filter((k) => !acceptedKeys.has(k)).sort(),
    stale: [...acceptedKeys].filter((k) => !foundKeys.has(k)).sort(),
  };
}

function main() {
  const { inputs, json } = parseArgs(process.argv.slice(2));
  const accepted = JSON.parse(readFileSync(ACCEPTED_FILE, 'utf8')).accepted;
  const findings = scan(inputs);
  const { unaccepted, stale } = compare(findings, accepted);
  const ok = unaccepted.length === 0 && stale.length === 0;
  if (json) console.log(JSON.stringify({ ok, findings: findings.map(key).sort(), unaccepted, stale }));
  else {
    console.log(`electronegativity ${ELECTRON_VERSION}: ${findings.length} findings in ${inputs.join(', ')}`);
    for (const k of unaccepted)
      console.log(
        `NEW   ${k}  (fix it, or accept it with a reason in docs/security-findings.json and docs/SECURITY.md)`,
      );
    for (const k of stale) console.log(`STALE ${k}  (no longer found: remove it from docs/security-findings.json)`);
    if (ok) console.log('all findings are accepted in docs/security-findings.json');
  }
  process.exitCode = ok ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    console.error(`lint:security failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  }
}
