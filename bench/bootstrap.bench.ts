// Cold bootstrap against the local simulator (fresh state folder and secret store each run: identity
// exchange, device, site domain, atomic write of the last good record) against `curl` fetching
// /v3/health from the same simulator, plus an offline-ready start (primary refuses, last good record
// present). `npm run bench -- bootstrap`; AETHER_BENCH_RUNS=15 by default.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { silentLogger } from '../base/logger';
import { identityOf } from '../core/identity';
import { startSimulator } from '../apps/simulator/index';
import { createBootstrap } from '../provisioning/bootstrap';
import { MemorySecretStore } from '../provisioning/secret-store';
import { loadSeed } from '../provisioning/seed-load';
import { createStateStore } from '../provisioning/state-store';

const run = promisify(execFile);
const RUNS = Number(process.env.AETHER_BENCH_RUNS ?? 15);
const logger = silentLogger();

function stats(samples: number[]): { median: number; min: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted.at(-1) as number };
}

function line(label: string, s: { median: number; min: number; max: number }): string {
  return `${label.padEnd(34)} median ${s.median.toFixed(1).padStart(7)} ms   min ${s.min.toFixed(1).padStart(7)}   max ${s.max.toFixed(1).padStart(7)}`;
}

async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 1}`;
}

async function bootOnce(seedPath: string, stateDir: string): Promise<{ ms: number; kind: string }> {
  const started = performance.now();
  const boot = createBootstrap({
    findSeed: () => loadSeed(seedPath, { logger, defaultApiUrl: 'https://api.invalid' }),
    stateStore: createStateStore({ stateDir, logger }),
    secretStore: new MemorySecretStore(),
    logger,
  });
  const state = await boot.runOnce();
  const ms = performance.now() - started;
  await boot.stop();
  if (!identityOf(state)) throw new Error(`bootstrap ended ${state.kind}: ${'reason' in state ? state.reason : ''}`);
  return { ms, kind: state.kind };
}

async function main(): Promise<void> {
  const sim = await startSimulator({ logger });
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'bench-bootstrap-'));
  try {
    const seedPath = path.join(scratch, 'seed.json');
    await writeFile(seedPath, JSON.stringify(sim.demoSeed()));
    await bootOnce(seedPath, path.join(scratch, 'warm-up'));
    await run('curl', ['-sS', '--fail', '-o', '/dev/null', `${sim.url}/v3/health`]);

    const cold: number[] = [];
    const curl: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      cold.push((await bootOnce(seedPath, path.join(scratch, `state-${i}`))).ms);
      const started = performance.now();
      await run('curl', ['-sS', '--fail', '-o', '/dev/null', `${sim.url}/v3/health`]);
      curl.push(performance.now() - started);
    }

    const offlineSeed = path.join(scratch, 'offline-seed.json');
    await writeFile(offlineSeed, JSON.stringify(sim.demoSeed({ primary_api_base_url: await closedPort() })));
    const offline: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const { ms, kind } = await bootOnce(offlineSeed, path.join(scratch, `state-${i}`));
      if (kind !== 'offline-ready') throw new Error(`expected offline-ready, got ${kind}`);
      offline.push(ms);
    }

    const c = stats(cold);
    const b = stats(curl);
    const o = stats(offline);
    console.log(`${RUNS} runs each, simulator at ${sim.url}`);
    console.log(line('cold bootstrap (4 API calls)', c));
    console.log(line('offline-ready (primary refused)', o));
    console.log(line('baseline: curl GET /v3/health', b));
    console.log(`ratio cold bootstrap / curl health (medians): ${(c.median / b.median).toFixed(2)}x`);
    console.log(`ratio offline-ready / curl health (medians): ${(o.median / b.median).toFixed(2)}x`);
  } finally {
    await sim.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
