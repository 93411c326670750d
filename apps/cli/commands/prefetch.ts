import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openCache } from '../../../cache/service';
import type { EventFile } from '../../../contracts/api';
import { startSimulator, type Simulator } from '../../simulator/index';
import type { CliIo, Command } from '../command';
import { UsageError } from '../command';
import { cliLogger, type DeviceFiles, loadDeviceFiles, resolveCacheRoot } from './cache-context';
import { parseCommandArgs } from './ops-args';
import { formatBytes, type PrefetchItem, PrefetchView } from './prefetch-view';

const USAGE = `usage: aether-native prefetch [--seed PATH | --demo] [--wait] [--cache-dir DIR]

Bootstraps like the app, lists the device's event files from the API and fills the cache with them,
showing per-file and total progress (MiB/s, ETA); plain lines when the output is not a terminal.
The way ops warm a laptop the night before. Exits 0 once every file is present and verified.

  --seed PATH       the seed.json to use (default: the app's seed discovery)
  --demo            start the embedded simulator and prefetch its demo device's files
  --cache-dir DIR   the cache root (default: the device's local_file_cache_path, else the OS cache folder)
  --wait            while the app (or another prefetch) uses the cache, wait for it instead of refusing`;

export async function runPrefetch(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs({
    args,
    options: { seed: { type: 'string' }, demo: { type: 'boolean' }, wait: { type: 'boolean' }, 'cache-dir': { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.demo && values.seed) throw new UsageError('--demo brings its own seed; use either --demo or --seed PATH');
  const logger = cliLogger(io);
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const seedArg = values.demo ? await demoSeedFile(cleanups) : values.seed;
    const deviceFiles = await loadDeviceFiles(io, seedArg, logger);
    if (!deviceFiles) throw new UsageError('no seed.json found; pass --seed PATH (or --demo to try the simulator)');
    cleanups.push(deviceFiles.close);
    return await fill(io, deviceFiles, resolveCacheRoot(io, values['cache-dir'], deviceFiles.device), values.wait === true);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }

  async function demoSeedFile(later: (() => Promise<void>)[]): Promise<string> {
    const sim: Simulator = await startSimulator();
    later.push(() => sim.close());
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aether-demo-seed-'));
    later.push(() => fs.rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'seed.json');
    await fs.writeFile(file, JSON.stringify(sim.demoSeed()), { mode: 0o600 });
    io.stderr.write(`demo: simulator on ${sim.url}\n`);
    return file;
  }
}

async function fill(io: CliIo, { device, files, source }: DeviceFiles, root: string, wait: boolean): Promise<number> {
  const items = uniqueByHash(files);
  // One writer per root: beside a running app, refuse (naming it) or wait, never download twice.
  const onWaiting = (_holder: unknown, message: string) => io.stderr.write(`${message.replace(/; quit it or run with --wait$/, '')}; waiting for it to finish\n`);
  const cache = await openCache({ root, source, logger: cliLogger(io), periodMs: 60 * 60 * 1000, lock: { role: 'prefetch', wait, onWaiting } });
  const view = new PrefetchView(io.stdout, items, { tty: io.stdout.isTTY === true });
  const unsubscribe = cache.subscribe((event) => {
    if (event.type === 'file') view.update(event.status);
  });
  try {
    const needed = items.filter((item) => !cache.store.has(item.sha256));
    for (const item of items) if (!needed.includes(item)) view.cached(item.sha256);
    const neededBytes = needed.reduce((sum, item) => sum + item.size, 0);
    io.stdout.write(`prefetch ${device.event_id} into ${root}: ${items.length} files, ${items.length - needed.length} already cached, ${formatBytes(neededBytes)} to fetch\n`);

    const failures: string[] = [];
    await Promise.all(
      needed.map((item) =>
        cache.fetch({ sha256: item.sha256, size: item.size }).then(
          () => view.done(item.sha256),
          (err: unknown) => {
            const message = err instanceof Error ? err.message : String(err);
            failures.push(item.filename);
            view.failed(item.sha256, message);
          },
        ),
      ),
    );
    view.close();
    if (failures.length > 0) {
      io.stderr.write(`prefetch: ${failures.length} of ${items.length} files could not be fetched (${failures.join(', ')}); run it again once the API serves them\n`);
      return 1;
    }
    io.stdout.write(`all ${items.length} files present and verified in ${root}\n`);
    return 0;
  } finally {
    unsubscribe();
    await cache.close();
  }
}

/** Two event files with the same bytes are one cache entry. */
function uniqueByHash(files: readonly EventFile[]): PrefetchItem[] {
  const items = new Map<string, PrefetchItem>();
  for (const f of files) if (!items.has(f.sha256)) items.set(f.sha256, { sha256: f.sha256, filename: f.filename, size: f.size });
  return [...items.values()];
}

export const prefetchCommand: Command = {
  summary: "fill the cache with the device's event files, with live progress (--demo: from the simulator)",
  usage: USAGE,
  run: runPrefetch,
};
