// Ingest of one 1 GiB file served from disk by the simulator over loopback: our cache (download, hash
// in the same pass, verify, durable rename) against `curl -o` (no hashing, no fsync) and npm's cacache
// (fetch piped into cacache.put.stream with a sha256 integrity); for reference, `curl -o` followed by
// `sync --data` of its file, which pays for durability as ours does. The simulator and every contender run
// in their own process; the node contenders are bundled (as the app is) so tsx is in neither their
// time nor their peak RSS. Each round runs the contenders in a rotated order, each one after the same
// untimed write-flush-delete of 1.2x the file (support/level-start.ts); figures are medians.
// `npm run bench -- ingest`; AETHER_BENCH_MIB=256 for a smaller file, AETHER_BENCH_ROUNDS=n.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bundleScript, median } from './support/bundle';
import { levelStart } from './support/level-start';
import { startSimulatorProcess } from './support/simulator-process';

const MIB = 1024 * 1024;
const CHILD = fileURLToPath(new URL('./ingest-child.ts', import.meta.url));
const run = promisify(execFile);

interface ChildFigures {
  seconds: number;
  maxRssMiB: number;
  baseRssMiB: number;
}

async function makeSource(file: string, mib: number): Promise<void> {
  const handle = await open(file, 'w');
  const block = randomBytes(16 * MIB);
  for (let i = 0; i < mib / 16; i += 1) {
    block.writeUInt32LE(i, 0);
    await handle.write(block);
  }
  await handle.close();
}

async function runNode(
  args: string[],
  script: string,
  kind: string,
  common: string[],
  dir: string,
): Promise<ChildFigures> {
  const { stdout } = await run(process.execPath, [...args, script, kind, ...common, dir], { encoding: 'utf8' });
  await rm(dir, { recursive: true, force: true });
  return JSON.parse(stdout.trim().split('\n').pop()!) as ChildFigures;
}

async function runCurl(url: string, apiKey: string, sha256: string, out: string, durable: boolean): Promise<number> {
  const started = performance.now();
  await run('curl', ['-sS', '--fail', '-H', `X-Api-Key: ${apiKey}`, '-o', out, `${url}/v3/files/${sha256}`]);
  if (durable) await run('sync', ['--data', out]);
  const seconds = (performance.now() - started) / 1000;
  await rm(out, { force: true });
  return seconds;
}

async function main(): Promise<void> {
  const mib = Number(process.env.AETHER_BENCH_MIB ?? 1024);
  const rounds = Number(process.env.AETHER_BENCH_ROUNDS ?? 3);
  const work = await mkdtemp(path.join(os.tmpdir(), 'aether-ingest-'));
  const levelBytes = Math.ceil(mib * 1.2) * MIB;
  const source = path.join(work, 'source.bin');
  await makeSource(source, mib);
  const bundled = await bundleScript(CHILD);
  const sim = await startSimulatorProcess({ paths: [source] });
  try {
    const file = sim.files[0]!;
    const common = [sim.url, sim.apiKey, file.sha256, String(file.size)];
    const seconds: Record<'curl' | 'curlSync' | 'cacache' | 'aether', number[]> = {
      curl: [],
      curlSync: [],
      cacache: [],
      aether: [],
    };
    const rss = { cacache: 0, aether: 0, aetherBase: 0 };
    const contenders = {
      curl: async () =>
        seconds.curl.push(await runCurl(sim.url, sim.apiKey, file.sha256, path.join(work, 'curl.out'), false)),
      curlSync: async () =>
        seconds.curlSync.push(await runCurl(sim.url, sim.apiKey, file.sha256, path.join(work, 'curl.out'), true)),
      cacache: async () => {
        const c = await runNode([], bundled, 'cacache', common, path.join(work, 'cacache'));
        seconds.cacache.push(c.seconds);
        rss.cacache = Math.max(rss.cacache, c.maxRssMiB);
      },
      aether: async () => {
        const a = await runNode([], bundled, 'aether', common, path.join(work, 'aether'));
        seconds.aether.push(a.seconds);
        rss.aether = Math.max(rss.aether, a.maxRssMiB);
        rss.aetherBase = a.baseRssMiB;
      },
    };
    const order = Object.keys(contenders) as (keyof typeof contenders)[];
    for (let round = 0; round < rounds; round += 1) {
      for (let i = 0; i < order.length; i += 1) {
        await levelStart(work, levelBytes);
        await contenders[order[(round + i) % order.length]!]();
      }
    }
    await levelStart(work, levelBytes);
    const underTsx = await runNode(['--import', 'tsx'], CHILD, 'aether', common, path.join(work, 'aether-tsx'));

    const rate = (s: number) => (mib / s).toFixed(0);
    const runs = (xs: number[]) => xs.map((s) => s.toFixed(2)).join(', ');
    const m = {
      curl: median(seconds.curl),
      curlSync: median(seconds.curlSync),
      cacache: median(seconds.cacache),
      aether: median(seconds.aether),
    };
    console.log(
      `file: ${mib} MiB over loopback from the simulator (own process), ${rounds} rounds in rotated order, medians`,
    );
    console.log(`curl -o          ${rate(m.curl)} MiB/s   (runs: ${runs(seconds.curl)} s)`);
    console.log(`curl -o + sync   ${rate(m.curlSync)} MiB/s   (runs: ${runs(seconds.curlSync)} s)`);
    console.log(
      `cacache sha256   ${rate(m.cacache)} MiB/s   (runs: ${runs(seconds.cacache)} s) peak RSS ${rss.cacache.toFixed(0)} MiB`,
    );
    console.log(
      `aether cache     ${rate(m.aether)} MiB/s   (runs: ${runs(seconds.aether)} s) peak RSS ${rss.aether.toFixed(0)} MiB`,
    );
    console.log(`ratio vs curl    ${(m.curl / m.aether).toFixed(2)}x  (goal >= 0.7)`);
    console.log(
      `ratio vs curl + sync ${(m.curlSync / m.aether).toFixed(2)}x  (reference: the same durability, no hashing)`,
    );
    console.log(`ratio vs cacache ${(m.cacache / m.aether).toFixed(2)}x  (goal >= 1.3)`);
    console.log(
      `peak RSS         ${rss.aether.toFixed(0)} MiB bundled (goal < 150; ${rss.aetherBase.toFixed(0)} MiB before the download); under tsx: ${underTsx.maxRssMiB.toFixed(0)} MiB (${underTsx.baseRssMiB.toFixed(0)} MiB before), ${rate(underTsx.seconds)} MiB/s`,
    );
  } finally {
    await sim.close();
    await rm(work, { recursive: true, force: true });
    await rm(path.dirname(bundled), { recursive: true, force: true });
  }
}

await main();
