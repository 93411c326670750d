// The contenders of the nginx benchmarks (venue-link, nginx-loopback), each in its own process and
// optionally in the client's network namespace: `curl --parallel` with the same concurrency as ours
// (optionally followed by `sync --file-system`: the same durability), ours (the cache's sync loop in
// the bulk-sync child, bundled), the bare cache client (the same child, `bare-client`). Each run
// reports its wall time and the user + system CPU-seconds of its process(es), and the server's CPU
// over the same run.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GeneratedFile } from './served-files';
import { runInOwnGroup, runTimed } from './timed-command';

export interface Run {
  seconds: number;
  cpuSeconds: number;
  serverCpuSeconds: number;
}

export interface ContenderContext {
  url: string;
  files: readonly GeneratedFile[];
  concurrency: number;
  /** Folder for this run's output (kept until the caller removes it). */
  out: string;
  netns?: string;
  /** The bulk-sync child, bundled. */
  childBundle: string;
  /** Where the list and the curl config go. */
  work: string;
}

export async function curlRun(ctx: ContenderContext, durable: boolean): Promise<Omit<Run, 'serverCpuSeconds'>> {
  const config = path.join(ctx.work, `curl-${path.basename(ctx.out)}.cfg`);
  await writeFile(
    config,
    `create-dirs\n${ctx.files.map((f, i) => `url = "${ctx.url}/v3/files/${f.sha256}"\noutput = "${path.join(ctx.out, `${i}.bin`)}"\n`).join('')}`,
  );
  const curl = ['curl', '-sS', '--fail', '--parallel', '--parallel-max', String(ctx.concurrency), '-K', config];
  // One syncfs for all files: the cheapest way to make them durable.
  return runTimed(durable ? [curl, ['sync', '--file-system', ctx.out]] : [curl], ctx.netns);
}

export async function childRun(
  ctx: ContenderContext,
  mode: 'ours' | 'bare-client',
): Promise<Omit<Run, 'serverCpuSeconds'>> {
  const list = path.join(ctx.work, 'list.json');
  await writeFile(list, JSON.stringify(ctx.files));
  const argv = [
    ...(ctx.netns ? ['ip', 'netns', 'exec', ctx.netns] : []),
    process.execPath,
    ctx.childBundle,
    ctx.url,
    '',
    ctx.out,
    String(ctx.concurrency),
    list,
    ...(mode === 'ours' ? [] : [mode]),
  ];
  const { stdout } = await runInOwnGroup(argv);
  return JSON.parse(stdout.trim().split('\n').pop()!) as { seconds: number; cpuSeconds: number };
}

/** `openssl dgst -sha256` over files already in the page cache: the reference cost of hashing them. */
export async function opensslDigestCpu(paths: readonly string[]): Promise<number> {
  return (await runTimed([['openssl', 'dgst', '-sha256', ...paths]])).cpuSeconds;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

export function fmt(s: Spread, digits = 2): string {
  return `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
}
