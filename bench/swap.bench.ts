// The helper's whole swap (wait for exit, permissions, two renames, relaunch, health marker) for a
// ~30 MB and a ~300 MB stand-in bundle, against `cp -a` of the same bundle in the same run.
// Goal: flat in bundle size (only renames touch the bundle), far below cp at 300 MB.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createBundle } from '../tests/fixtures/stand-in-bundle';
import {
  createSandbox,
  destroySandbox,
  runHelper,
  runningStandIns,
  swapArgs,
  type Sandbox,
} from '../tests/fixtures/helper-sandbox';

const ROUNDS = 3;
const FILE_MB = 1;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function quitApp(s: Sandbox): Promise<void> {
  for (const pid of await runningStandIns(s)) process.kill(pid, 'SIGKILL');
}

async function measure(megabytes: number): Promise<{ swapMs: number; cpMs: number }> {
  const swaps: number[] = [];
  const copies: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const s = await createSandbox('Aether.app', 'aether-swap-bench-');
    try {
      const payload = { payloadFiles: megabytes / FILE_MB, payloadBytes: FILE_MB << 20 };
      await createBundle(s.installed, { version: '1.0.0', ...payload });
      await createBundle(s.staged, { version: '2.0.0', ...payload });
      const copyStart = performance.now();
      const cp = spawnSync('cp', ['-a', s.staged, `${s.root}/copy.app`]);
      copies.push(performance.now() - copyStart);
      if (cp.status !== 0) throw new Error(`cp -a failed: ${cp.stderr}`);
      const swapStart = performance.now();
      const code = await runHelper(swapArgs(s, { healthTimeout: 30 }));
      swaps.push(performance.now() - swapStart);
      if (code !== 0) throw new Error(`helper exited ${code}: ${await fs.readFile(s.log, 'utf8')}`);
      await quitApp(s);
    } finally {
      await destroySandbox(s);
    }
  }
  return { swapMs: median(swaps), cpMs: median(copies) };
}

async function main(): Promise<void> {
  const small = await measure(30);
  const large = await measure(300);
  for (const [label, r] of [
    ['30 MB', small],
    ['300 MB', large],
  ] as const) {
    console.log(
      `${label.padStart(6)}: helper swap ${r.swapMs.toFixed(0)} ms, cp -a ${r.cpMs.toFixed(0)} ms, swap/cp ${(r.swapMs / r.cpMs).toFixed(3)}`,
    );
  }
  console.log(`swap 300 MB / swap 30 MB: ${(large.swapMs / small.swapMs).toFixed(2)} (flat is ~1)`);
}

await main();
