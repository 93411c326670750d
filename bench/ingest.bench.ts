// Ingest of one 1 GiB file served by the simulator over loopback: our cache (download, hash in the
// same pass, verify, durable rename) against `curl -o` (no hashing) and npm's cacache (fetch piped
// into cacache.put.stream with a sha256 integrity), each in its own child process so peak RSS is its own.
// `npm run bench -- ingest`; AETHER_BENCH_MIB=256 for a smaller file.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const MIB = 1024 * 1024;

async function childMode(kind: string, url: string, apiKey: string, sha256: string, size: number, dir: string): Promise<void> {
  const { openCache } = await import('../cache/service');
  const { staticFileSource } = await import('../cache/file-source');
  const { silentLogger } = await import('../apps/common/logger');
  // cacache ships no type declarations; only put.stream is used.
  const cacache = (await import('cacache' as string)).default as { put: { stream(dir: string, key: string, opts: object): NodeJS.WritableStream } };
  const baseRssMiB = process.memoryUsage().rss / MIB;
  const started = performance.now();
  if (kind === 'aether') {
    const cache = await openCache({ root: dir, source: staticFileSource([url], apiKey), logger: silentLogger() });
    await cache.fetch({ sha256, size });
    await cache.close();
  } else {
    const integrity = `sha256-${Buffer.from(sha256, 'hex').toString('base64')}`;
    const response = await fetch(`${url}/v3/files/${sha256}`, { headers: { 'x-api-key': apiKey } });
    if (!response.ok || !response.body) throw new Error(`cacache baseline: HTTP ${response.status}`);
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), cacache.put.stream(dir, 'bench', { integrity, algorithms: ['sha256'] }));
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, baseRssMiB })}\n`);
}

// Async on purpose: the simulator serves from this process, so a blocking spawn would deadlock it.
const run = promisify(execFile);

async function runChild(kind: string, args: string[]): Promise<{ seconds: number; maxRssMiB: number; baseRssMiB: number }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', SELF, '--child', kind, ...args], { encoding: 'utf8' });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { seconds: number; maxRssMiB: number; baseRssMiB: number };
}

async function runCurl(url: string, apiKey: string, sha256: string, out: string): Promise<number> {
  const started = performance.now();
  await run('curl', ['-sS', '--fail', '-H', `X-Api-Key: ${apiKey}`, '-o', out, `${url}/v3/files/${sha256}`]);
  return (performance.now() - started) / 1000;
}

async function makeSource(file: string, mib: number): Promise<string> {
  const handle = await open(file, 'w');
  const hash = createHash('sha256');
  const block = randomBytes(16 * MIB);
  for (let i = 0; i < mib / 16; i += 1) {
    block.writeUInt32LE(i, 0);
    hash.update(block);
    await handle.write(block);
  }
  await handle.close();
  return hash.digest('hex');
}

async function main(): Promise<void> {
  const mib = Number(process.env.AETHER_BENCH_MIB ?? 1024);
  const size = mib * MIB;
  const work = await mkdtemp(path.join(os.tmpdir(), 'aether-ingest-'));
  const { startSimulator } = await import('../apps/simulator/index');
  const source = path.join(work, 'source.bin');
  await makeSource(source, mib);
  const sim = await startSimulator({ files: [] });
  try {
    const record = await sim.addFile({ filename: 'big.bin', path: source });
    const args = [sim.url, sim.apiKey, record.sha256, String(size)];
    const rounds = Number(process.env.AETHER_BENCH_ROUNDS ?? 2);
    const results = { curl: [] as number[], cacache: [] as number[], aether: [] as number[], cacacheRss: 0, aetherRss: 0, aetherBaseRss: 0 };
    for (let round = 0; round < rounds; round += 1) {
      const out = path.join(work, 'curl.out');
      results.curl.push(await runCurl(sim.url, sim.apiKey, record.sha256, out));
      await rm(out, { force: true });
      const cacacheDir = path.join(work, 'cacache');
      const c = await runChild('cacache', [...args, cacacheDir]);
      results.cacache.push(c.seconds);
      results.cacacheRss = Math.max(results.cacacheRss, c.maxRssMiB);
      await rm(cacacheDir, { recursive: true, force: true });
      const root = path.join(work, 'aether');
      const a = await runChild('aether', [...args, root]);
      results.aether.push(a.seconds);
      results.aetherRss = Math.max(results.aetherRss, a.maxRssMiB);
      results.aetherBaseRss = a.baseRssMiB;
      await rm(root, { recursive: true, force: true });
    }
    const best = (xs: number[]) => Math.min(...xs);
    const rate = (s: number) => (mib / s).toFixed(0);
    console.log(`file: ${mib} MiB over loopback from the simulator, ${rounds} rounds, best of each`);
    console.log(`curl -o          ${rate(best(results.curl))} MiB/s   (runs: ${results.curl.map((s) => s.toFixed(2)).join(', ')} s)`);
    console.log(`cacache sha256   ${rate(best(results.cacache))} MiB/s   (runs: ${results.cacache.map((s) => s.toFixed(2)).join(', ')} s) peak RSS ${results.cacacheRss.toFixed(0)} MiB`);
    console.log(`aether cache     ${rate(best(results.aether))} MiB/s   (runs: ${results.aether.map((s) => s.toFixed(2)).join(', ')} s) peak RSS ${results.aetherRss.toFixed(0)} MiB`);
    console.log(`ratio vs curl    ${(best(results.curl) / best(results.aether)).toFixed(2)}x  (goal >= 0.7)`);
    console.log(`ratio vs cacache ${(best(results.cacache) / best(results.aether)).toFixed(2)}x  (goal >= 1.3)`);
    console.log(`peak RSS         ${results.aetherRss.toFixed(0)} MiB (goal < 150); process before the download (node + tsx + modules): ${results.aetherBaseRss.toFixed(0)} MiB`);
  } finally {
    await sim.close();
    await rm(work, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  const [kind = '', url = '', apiKey = '', sha256 = '', size = '0', dir = ''] = process.argv.slice(childAt + 1);
  await childMode(kind, url, apiKey, sha256, Number(size), dir);
} else {
  await main();
}
