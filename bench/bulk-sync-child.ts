// Child process of bulk-sync.bench.ts (bundled by esbuild, run as plain node): hands the list to the
// sync loop and prints `{ seconds, cpuSeconds }` once every file is present (cpuSeconds: user + system
// CPU of this process over the same interval, from process.resourceUsage()); with `bare` or `bare-client` as sixth
// argument it runs that bare downloader instead (bare-node-fetch.ts). Arguments: <url> <apiKey> <root>
// <concurrency> <list file> [bare|bare-client]
import { readFile } from 'node:fs/promises';
import { silentLogger } from '../base/logger';
import { staticFileSource } from '../cache/file-source';
import type { CacheFile } from '../contracts/cache';
import { openCache } from '../cache/service';
import { bareClientFetch, bareNodeFetch } from './bare-node-fetch';

async function main(): Promise<void> {
  const [url = '', apiKey = '', root = '', concurrency = '4', listFile = ''] = process.argv.slice(2);
  const files = JSON.parse(await readFile(listFile, 'utf8')) as CacheFile[];
  const bare = { bare: bareNodeFetch, 'bare-client': bareClientFetch }[process.argv[7] ?? ''];
  if (bare) {
    const cpuBefore = cpuSeconds();
    const started = performance.now();
    await bare(url, apiKey, files, root, Number(concurrency));
    process.stdout.write(
      `${JSON.stringify({ seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSeconds() - cpuBefore })}\n`,
    );
    return;
  }
  const cache = await openCache({
    root,
    source: staticFileSource([url], apiKey),
    logger: silentLogger(),
    concurrency: Number(concurrency),
    periodMs: 3_600_000,
  });
  const present = new Set<string>();
  const cpuBefore = cpuSeconds();
  const started = performance.now();
  await new Promise<void>((resolve) => {
    // A set of the hashes reported present: O(1) per event, nothing recomputed per file.
    cache.subscribe((event) => {
      if (event.type !== 'file' || event.status.state !== 'present') return;
      present.add(event.status.sha256);
      if (present.size === files.length) resolve();
    });
    cache.start();
    cache.ensure({ files });
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSeconds() - cpuBefore;
  await cache.close();
  process.stdout.write(`${JSON.stringify({ seconds, cpuSeconds: cpu })}\n`);
}

/** User + system CPU of this process so far, in seconds. */
function cpuSeconds(): number {
  const usage = process.resourceUsage();
  return (usage.userCPUTime + usage.systemCPUTime) / 1e6;
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
