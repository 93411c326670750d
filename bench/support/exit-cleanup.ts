// Synchronous clean-ups that must run however the benchmark ends: normal return, an exception that
// escapes, Ctrl-C or a kill. The benches still clean up in `finally`; these are the net for the paths
// where `finally` never runs (a signal), and each clean-up is idempotent so running twice is harmless.
import { rmSync } from 'node:fs';

const cleanups = new Set<() => void>();
let installed = false;

export function onAnyExit(cleanup: () => void): () => void {
  if (!installed) {
    installed = true;
    process.once('exit', runAll);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        runAll();
        process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
      });
    }
  }
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

function runAll(): void {
  // Last registered first: the server inside a namespace goes before the namespace.
  for (const cleanup of [...cleanups].reverse()) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch (err) {
      process.stderr.write(`clean-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}

/** Removes a temporary folder on any exit; the returned function forgets it (after a normal removal). */
export function removeOnAnyExit(dir: string): () => void {
  return onAnyExit(() => rmSync(dir, { recursive: true, force: true }));
}
