// Child process of cache-scale.bench.ts (bundled by esbuild, run as plain node, as the packaged app
// runs): one cold open of a cache root, as at an app start, printing
// `{ ms, cpuMs, maxBlockMs, entries }`. Argument: <root>
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { silentLogger } from '../base/logger';
import { staticFileSource } from '../cache/file-source';
import { openCache } from '../cache/service';

async function main(): Promise<void> {
  const root = process.argv[2] ?? '';
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const cache = await openCache({
    root,
    source: staticFileSource(['http://127.0.0.1:9'], null),
    logger: silentLogger(),
    periodMs: 3_600_000,
  });
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  delay.disable();
  const entries = cache.store.count;
  await cache.close();
  console.log(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000, maxBlockMs: delay.max / 1e6, entries }));
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
