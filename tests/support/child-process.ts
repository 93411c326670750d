import { spawn, type ChildProcess } from 'node:child_process';
import type { Cleanups } from './cleanups';

export interface TsChild {
  child: ChildProcess;
  pid: number;
  /** Resolves with the first stdout line that matches (rejects if the child exits first or after `timeoutMs`). */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Ends the child's stdin (the children of the cache suites take that as "finish now"). */
  finish(): void;
  exited: Promise<number | null>;
}

/**
 * Runs a TypeScript file as a real child process (node + tsx), killed on cleanup if it is still
 * running. Its stdout is kept as lines for `line()`.
 */
export function spawnTs(cleanups: Cleanups, file: string, args: string[]): TsChild {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
    for (const wake of waiters) wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  return {
    child,
    pid: child.pid!,
    exited,
    finish: () => child.stdin!.end(),
    line(pattern, timeoutMs = 30_000) {
      return new Promise<string>((resolve, reject) => {
        const check = () => {
          const found = lines.find((l) => pattern.test(l));
          if (found === undefined) return false;
          done();
          resolve(found);
          return true;
        };
        const timer = setTimeout(
          () => (
            done(),
            reject(new Error(`no line ${pattern} from the child within ${timeoutMs} ms; stderr: ${stderr}`))
          ),
          timeoutMs,
        );
        const onExit = () =>
          setImmediate(
            () =>
              check() || (done(), reject(new Error(`the child exited without a line ${pattern}; stderr: ${stderr}`))),
          );
        const done = () => {
          clearTimeout(timer);
          waiters.delete(wake);
          child.off('exit', onExit);
        };
        const wake = () => void check();
        if (check()) return;
        waiters.add(wake);
        child.once('exit', onExit);
      });
    },
  };
}
