// Child process of ingest.bench.ts (bundled by esbuild, run as plain node): one contender fetches one
// file and prints `{ seconds, maxRssMiB, baseRssMiB }`. Arguments: <aether|cacache> <url> <apiKey> <sha256> <size> <dir>
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import cacache from 'cacache';
import { silentLogger } from '../base/logger';
import { staticFileSource } from '../cache/file-source';
import { openCache } from '../cache/service';

const MIB = 1024 * 1024;

async function main(): Promise<void> {
  const [kind = '', url = '', apiKey = '', sha256 = '', size = '0', dir = ''] = process.argv.slice(2);
  const baseRssMiB = process.memoryUsage().rss / MIB;
  const started = performance.now();
  if (kind === 'aether') {
    const cache = await openCache({ root: dir, source: staticFileSource([url], apiKey), logger: silentLogger() });
    await cache.fetch({ sha256, size: Number(size) });
    await cache.close();
  } else if (kind === 'cacache') {
    const integrity = `sha256-${Buffer.from(sha256, 'hex').toString('base64')}`;
    const response = await fetch(`${url}/v3/files/${sha256}`, { headers: { 'x-api-key': apiKey } });
    if (!response.ok || !response.body) throw new Error(`cacache baseline: HTTP ${response.status}`);
    await pipeline(
      Readable.fromWeb(response.body as ReadableStream),
      cacache.put.stream(dir, 'bench', { integrity, algorithms: ['sha256'] }),
    );
  } else {
    throw new Error(`unknown contender ${kind}`);
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${JSON.stringify({ seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, baseRssMiB })}\n`,
  );
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
