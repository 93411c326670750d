// Vitest global setup: the suite must leave nothing behind in the temp folder (issue 14).
//
// Every test process (and every child it starts: Chromium, the swap helper, the CLI) gets TMPDIR set to
// one fresh folder for this run, so whatever a test forgets to remove lands there and is attributable to
// this run alone, even on a machine where other runs share /tmp. The teardown fails the run naming each
// leftover, then removes the folder so a failing run leaves nothing behind either. Code that ignores
// TMPDIR and writes to the system temp folder directly is caught by a second check: new `aether-*`
// entries there, an error under CI (the machine is the run's alone) and a warning elsewhere (another
// run may own them).
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const RUN_DIR_PREFIX = 'aether-test-run-';

/** Caches tools keep in the temp folder on purpose, to reuse them next time: not leftovers of a test. */
const TOOL_CACHES: readonly RegExp[] = [
  /^tsx-\d+$/, // tsx's compile cache, one per user id (tests run the CLI through tsx)
  /^jiti$/, // jiti's transpile cache (electron-builder loads its configuration through it)
  /^node-compile-cache$/, // Node 22+'s module compile cache, which tools switch on (seen with Node 24)
];

/** Entries in `dir` whose names are not in `before`, sorted. */
export function newEntries(
  dir: string,
  before: ReadonlySet<string>,
  matches: (name: string) => boolean = () => true,
): string[] {
  return readdirSync(dir)
    .filter((name) => !before.has(name) && matches(name))
    .sort();
}

/** The teardown's verdict: null when clean, otherwise a message naming what was left and where. */
export function leftoverReport(
  runDir: string,
  runLeftovers: readonly string[],
  systemLeftovers: readonly string[],
  systemTmp: string,
): string | null {
  const lines: string[] = [];
  if (runLeftovers.length > 0) {
    lines.push(
      `The test run left ${runLeftovers.length} entr${runLeftovers.length === 1 ? 'y' : 'ies'} in its temp folder ${runDir} (now removed):`,
    );
    lines.push(...runLeftovers.map((name) => `  ${name}`));
  }
  if (systemLeftovers.length > 0) {
    lines.push(`New aether-* entries in ${systemTmp} that ignore TMPDIR (not removed):`);
    lines.push(...systemLeftovers.map((name) => `  ${path.join(systemTmp, name)}`));
  }
  if (lines.length === 0) return null;
  lines.push('Remove every temp folder a test creates on every exit path (tests/support/cleanups.ts useCleanups()).');
  return lines.join('\n');
}

export interface LeftoverWatch {
  /** The run's temp folder, which TMPDIR now names. */
  runDir: string;
  /** Restores TMPDIR, removes the run's folder and says what was left; fatal when the run must fail. */
  finish(): { report: string | null; fatal: boolean };
}

/** `systemTmp` is the folder the run's own one is made in: the OS temp folder, a private one in tests. */
export function watchForLeftovers(systemTmp = os.tmpdir()): LeftoverWatch {
  const before = new Set(readdirSync(systemTmp));
  const runDir = mkdtempSync(path.join(systemTmp, RUN_DIR_PREFIX));
  // Like /tmp itself: suites start children as another user (a real EACCES needs a non-root process).
  chmodSync(runDir, 0o1777);
  const previousTmpdir = process.env.TMPDIR;
  // Workers are forked after global setup and inherit this environment, and so do their children.
  process.env.TMPDIR = runDir;

  return {
    runDir,
    finish() {
      if (previousTmpdir === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previousTmpdir;
      const runLeftovers = readdirSync(runDir)
        .filter((name) => !TOOL_CACHES.some((cache) => cache.test(name)))
        .sort();
      rmSync(runDir, { recursive: true, force: true });
      const systemLeftovers = newEntries(
        systemTmp,
        before,
        (name) => name.startsWith('aether-') && !name.startsWith(RUN_DIR_PREFIX),
      );
      const report = leftoverReport(runDir, runLeftovers, systemLeftovers, systemTmp);
      return { report, fatal: report !== null && (runLeftovers.length > 0 || Boolean(process.env.CI)) };
    },
  };
}

export default function setup(): () => void {
  const watch = watchForLeftovers();
  return () => {
    const { report, fatal } = watch.finish();
    if (!report) return;
    if (!fatal) {
      process.stderr.write(`warning: ${report}\n`);
      return;
    }
    // Vitest prints a teardown error as "error during close" but keeps the exit code: set it here.
    process.exitCode = 1;
    throw new Error(report);
  };
}
