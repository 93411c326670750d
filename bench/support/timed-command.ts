// Runs a command line (one or more commands, `&&`-joined) in `sh` and reports its wall time and the
// user + system CPU-seconds of everything it ran, from the shell's `times` (the children's rusage as
// wait(2) reports it, so a process and everything it waited for). Optionally inside a network
// namespace (`ip netns exec`, which execs: no extra process in the figures).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TimedResult {
  seconds: number;
  cpuSeconds: number;
}

export async function runTimed(commands: readonly (readonly string[])[], netns?: string): Promise<TimedResult> {
  const script = `(${commands.map((argv) => argv.map(shellQuote).join(' ')).join(' && ')}) >/dev/null; s=$?; times; exit $s`;
  const argv = [...(netns ? ['ip', 'netns', 'exec', netns] : []), 'sh', '-c', script];
  const started = performance.now();
  const { stdout } = await run(argv[0]!, argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 24 });
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
