// CPU-seconds and peak memory of running processes from /proc (Linux only, as every benchmark here):
// utime + stime of /proc/<pid>/stat in clock ticks, and VmHWM (peak resident set) of /proc/<pid>/status.
import { readdir, readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux.

export interface ProcUsage {
  cpuSeconds: number;
  peakRssMiB: number;
}

export async function procUsage(pid: number): Promise<ProcUsage> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at ") "; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const hwmKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds: ticks / TICKS_PER_SECOND, peakRssMiB: hwmKiB / 1024 };
}

/** Summed over processes: CPU adds up, peak memory adds up as an upper bound of what ran at once. */
export async function procUsageOf(pids: number[]): Promise<ProcUsage> {
  const all = await Promise.all(pids.map((pid) => procUsage(pid).catch(() => ({ cpuSeconds: 0, peakRssMiB: 0 }))));
  return all.reduce((a, b) => ({ cpuSeconds: a.cpuSeconds + b.cpuSeconds, peakRssMiB: a.peakRssMiB + b.peakRssMiB }), {
    cpuSeconds: 0,
    peakRssMiB: 0,
  });
}

/** Every process whose command line contains `needle` (e.g. a Syncthing home: its monitor and worker). */
export async function pidsWithArgument(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** "median (min–max)" with the given digits. */
export function spread(values: number[], digits = 2): string {
  return `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
}
