// Child process of presenting.bench.ts (bundled by esbuild, run as plain node): the sync of a room
// whose presentation is playing. The cache, the room telemetry over the real process check (pgrep
// for a presentation app: the bench runs a stand-in LibreOffice) and the core's sync-policy wiring
// between them, as core/create-core.ts wires them, the device record saying `sync_while_presenting`.
// Once the room reports presenting, it hands the list to the sync loop, lets it warm up for `warmup`
// seconds, then prints `{ seconds, cpuSeconds, bytes, policy }` over the next `window` seconds or
// until every file is present, whichever comes first (cpuSeconds: user + system CPU of this process
// over that interval, from process.resourceUsage(); bytes: what the cache gained over it, present or
// being written).
// Arguments: <url> <root> <list file> <throttle|full|pause> <warm-up s> <window s> [max_download_mbps]
import { readFile } from 'node:fs/promises';
import { execFileRunner } from '../base/command-runner';
import { silentLogger } from '../base/logger';
import { staticFileSource } from '../cache/file-source';
import { openCache } from '../cache/service';
import type { CacheFile } from '../contracts/cache';
import { createRoomTelemetry } from '../core/room';
import { createSyncPolicyWiring } from '../core/sync-policy';

async function main(): Promise<void> {
  const [url = '', root = '', listFile = '', mode = 'throttle', warmup = '3', window = '10', cap = ''] =
    process.argv.slice(2);
  if (mode !== 'throttle' && mode !== 'full' && mode !== 'pause') throw new Error(`unknown mode ${mode}`);
  const files = JSON.parse(await readFile(listFile, 'utf8')) as CacheFile[];
  const cache = await openCache({
    root,
    source: staticFileSource([url], null),
    logger: silentLogger(),
    concurrency: 4,
    periodMs: 3_600_000,
  });
  const device = { sync_while_presenting: mode, max_download_mbps: cap === '' ? null : Number(cap) } as const;
  const wiring = { apply: () => undefined as void };
  const room = createRoomTelemetry({
    platform: 'linux',
    run: execFileRunner(),
    bootstrap: () => ({ kind: 'starting' }) as never,
    eventFiles: () => null,
    isPresent: (sha256) => cache.store.has(sha256),
    cache: () => ({ files: 0, missing: 0 }),
    syncing: () => cache.loop.state.state === 'syncing',
    screenshotMinutes: () => null,
    presentations: null,
    screenshots: null,
    logger: silentLogger(),
    onChange: () => wiring.apply(),
  });
  wiring.apply = createSyncPolicyWiring({ cache, presenting: () => room.isPresenting(), device: () => device }).apply;
  room.opened({ filename: 'keynote.pptx', sha256: files[0]!.sha256, event_file_id: null, event_device_id: null });
  await room.refresh();
  if (!room.isPresenting()) throw new Error('the stand-in presentation app is not seen running (pgrep)');
  const hashes = files.map((f) => f.sha256);
  const held = () => {
    const { totals } = cache.status(hashes);
    return totals.bytesPresent + totals.bytesDownloading;
  };
  const allPresent = new Promise<void>((resolve) => {
    const unsubscribe = cache.subscribe((event) => {
      if (event.type === 'total' && event.totals.present === files.length) {
        unsubscribe();
        resolve();
      }
    });
  });
  const until = (seconds: number) =>
    Promise.race([allPresent, new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000))]);
  cache.start();
  cache.ensure({ files });
  // The first seconds (connections opened, code compiled, the bucket's one-second burst) are not what
  // a presentation of an hour sees: measured from the end of the warm-up on.
  await until(Number(warmup));
  const cpuBefore = cpuSeconds();
  const bytesBefore = held();
  const started = performance.now();
  await until(Number(window));
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuSeconds() - cpuBefore;
  const bytes = held() - bytesBefore;
  const policy = cache.backgroundPolicy;
  await room.close();
  await cache.close();
  process.stdout.write(`${JSON.stringify({ seconds, cpuSeconds: cpu, bytes, policy })}\n`);
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
