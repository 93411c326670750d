// Bulk sync of 500 files of 1 MB served by the simulator: our sync loop (concurrency 4) against
// `curl --parallel --parallel-max 4` fetching the same URLs. `npm run bench -- bulk-sync`.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { silentLogger } from '../apps/common/logger';
import { startSimulator } from '../apps/simulator/index';
import { staticFileSource } from '../cache/file-source';
import { openCache } from '../cache/service';

const FILES = Number(process.env.AETHER_BENCH_FILES ?? 500);
const CONCURRENCY = 4;
const run = promisify(execFile);

const work = await mkdtemp(path.join(os.tmpdir(), 'aether-bulk-'));
const sim = await startSimulator({ files: [] });
try {
  const records = [];
  for (let i = 0; i < FILES; i += 1) records.push(await sim.addFile({ filename: `file-${i}.bin`, size: 1_000_000, seed: `bulk-${i}` }));

  // Async on purpose: the simulator serves from this process.
  const config = records.map((r, i) => `url = "${sim.url}/v3/files/${r.sha256}"\noutput = "${path.join(work, 'curl', `${i}.bin`)}"\n`).join('');
  await writeFile(path.join(work, 'curl.cfg'), `header = "X-Api-Key: ${sim.apiKey}"\ncreate-dirs\n${config}`);
  const curlStarted = performance.now();
  await run('curl', ['-sS', '--fail', '--parallel', '--parallel-max', String(CONCURRENCY), '-K', path.join(work, 'curl.cfg')], { maxBuffer: 1 << 24 });
  const curlS = (performance.now() - curlStarted) / 1000;

  const cache = await openCache({ root: path.join(work, 'aether'), source: staticFileSource([sim.url], sim.apiKey), logger: silentLogger(), concurrency: CONCURRENCY, periodMs: 3_600_000 });
  const hashes = records.map((r) => r.sha256);
  const started = performance.now();
  cache.start();
  cache.ensure({ files: records.map((r) => ({ sha256: r.sha256, size: r.size })) });
  await new Promise<void>((resolve) => {
    const unsubscribe = cache.subscribe((e) => {
      if (e.type === 'file' && e.status.state === 'present' && cache.status(hashes).totals.present === FILES) {
        unsubscribe();
        resolve();
      }
    });
  });
  const oursS = (performance.now() - started) / 1000;
  await cache.close();
  const mb = (FILES * 1_000_000) / (1024 * 1024);
  console.log(`${FILES} files of 1 MB, concurrency ${CONCURRENCY}, loopback, simulator`);
  console.log(`curl --parallel   ${curlS.toFixed(2)} s  ${(mb / curlS).toFixed(0)} MiB/s`);
  console.log(`aether sync loop  ${oursS.toFixed(2)} s  ${(mb / oursS).toFixed(0)} MiB/s`);
  console.log(`ratio (curl time / ours) ${(curlS / oursS).toFixed(2)}x  (goal >= 0.8)`);
} finally {
  await sim.close();
  await rm(work, { recursive: true, force: true });
}
