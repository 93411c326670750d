// Runs a command line (one or more commands, `&&`-joined) in `sh` and reports its wall time and the
// user + system CPU-seconds of everything it ran, from the shell's `times` (the children's rusage as
// wait(2) reports it, so a process and everything it waited for). Optionally inside a network
// namespace (`ip netns exec`, which execs: no extra process in the figures).
import { spawn } from 'node:child_process';
import { onAnyExit } from './exit-cleanup';

export interface TimedResult {
  seconds: number;
  cpuSeconds: number;
}

export async function runTimed(commands: readonly (readonly string[])[], netns?: string): Promise<TimedResult> {
  const script = `(${commands.map((argv) => argv.map(shellQuote).join(' ')).join(' && ')}) >/dev/null; s=$?; times; exit $s`;
  const argv = [...(netns ? ['ip', 'netns', 'exec', netns] : []), 'sh', '-c', script];
  const started = performance.now();
  const { stdout } = await runInOwnGroup(argv);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, cpuSeconds: childrenCpu(stdout) };
}

/** The second line of `times`: children's user and system time, e.g. `0m1.230000s 0m0.450000s`. */
function childrenCpu(out: string): number {
  const line = out.trim().split('\n').pop() ?? '';
  const parts = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (parts.length !== 2) throw new Error(`could not read the CPU time from \`times\`: ${JSON.stringify(line)}`);
  return parts[0]! + parts[1]!;
}

export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs a command in a process group of its own and returns its stdout; if the bench exits or is
 * interrupted meanwhile, the whole group is killed (a contender left behind would keep retrying
 * against a server that is gone). Rejects with stderr when the command fails.
 */
export function runInOwnGroup(argv: readonly string[]): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    // Only the tail is kept: curl's progress meter can be long.
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    const forget = onAnyExit(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    });
    child.once('error', (err) => {
      forget();
      reject(err);
    });
    child.once('close', (code, signal) => {
      forget();
      if (code === 0) resolve({ stdout });
      else reject(new Error(`${argv.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr.slice(-2000)}`));
    });
  });
}
