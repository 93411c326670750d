import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { openCache } from '../../../cache/service';
import type { EventFile } from '../../../contracts/api';
import { startSimulator, type Simulator } from '../../simulator/index';
import type { CliIo, Command } from '../command';
import { EXIT, singleTopic, UsageError } from '../command';
import { PrefetchOutput, writeJson } from '../output-schemas';
import { cliLogger, type DeviceFiles, loadDeviceFiles, resolveCacheRoot } from './cache-context';
import { parseCommandArgs } from './ops-args';
import { formatBytes, type PrefetchItem, PrefetchView, printable } from './prefetch-view';

const USAGE = `usage: aether-native prefetch [--seed PATH | --demo] [--wait] [--cache-dir DIR] [--json]

Bootstraps like the app, lists the device's event files from the API and fills the cache with them,
showing per-file and total progress (MiB/s, ETA) fitted to the terminal's width; plain lines when
the output is not a terminal. The way ops warm a laptop the night before. Exits 0 once every file is
present and verified, 1 if any could not be fetched (run it again: finished files are kept).

  --seed PATH       the seed.json whose device's files to fetch (default: the app's own seed
                    discovery: AETHER_SEED, ~/seed.json, the OS config path); nothing is stored
                    besides the files themselves
  --demo            start the embedded simulator and prefetch its demo device's files, into a
                    temporary cache removed at the end unless --cache-dir is given
  --cache-dir DIR   the cache root (default: the device's local_file_cache_path, else the OS cache folder)
  --wait            while the app (or another prefetch) uses the cache, wait for it instead of refusing
  --json            no progress display; one JSON object at the end (apps/cli/README.md: prefetch)`;

export async function runPrefetch(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs({
    args,
    options: {
      seed: { type: 'string' },
      demo: { type: 'boolean' },
      wait: { type: 'boolean' },
      'cache-dir': { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: false,
  });
  if (values.demo && values.seed) throw new UsageError('--demo brings its own seed; use either --demo or --seed PATH');
  const logger = cliLogger(io);
  const cleanups: (() => Promise<void>)[] = [];
  try {
    // --demo keeps to its own temp folder (seed, state, cache): a demo never fills or reads the laptop's real ones.
    const demo = values.demo ? await demoFolder(cleanups) : null;
    const deviceFiles = await loadDeviceFiles(io, demo?.seed ?? values.seed, logger, demo?.state);
    if (!deviceFiles) throw new UsageError('no seed.json found; pass --seed PATH (or --demo to try the simulator)');
    cleanups.push(deviceFiles.close);
    if (demo && !values['cache-dir'])
      io.stderr.write(`demo: into a temporary cache, removed at the end (--cache-dir DIR keeps the files)\n`);
    const root =
      values['cache-dir'] || !demo ? resolveCacheRoot(io, values['cache-dir'], deviceFiles.device) : demo.cache;
    return await fill(io, deviceFiles, root, values.json ?? false, values.wait === true);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }

  async function demoFolder(later: (() => Promise<void>)[]): Promise<{ seed: string; state: string; cache: string }> {
    const sim: Simulator = await startSimulator();
    later.push(() => sim.close());
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aether-demo-seed-'));
    later.push(() => fs.rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'seed.json');
    await fs.writeFile(file, JSON.stringify(sim.demoSeed()), { mode: 0o600 });
    io.stderr.write(`demo: simulator on ${sim.url}\n`);
    return { seed: file, state: path.join(dir, 'state'), cache: path.join(dir, 'cache') };
  }
}

/** Where the progress goes: nowhere with --json (stdout carries only the final object). */
const QUIET = new Writable({ write: (_chunk, _encoding, done) => done() });

async function fill(
  io: CliIo,
  { device, files, source }: DeviceFiles,
  root: string,
  json: boolean,
  wait: boolean,
): Promise<number> {
  const items = uniqueByHash(files);
  // One writer per root: beside a running app, refuse (naming it) or wait, never download twice.
  const onWaiting = (_holder: unknown, message: string) =>
    io.stderr.write(`${message.replace(/; quit it or run with --wait$/, '')}; waiting for it to finish\n`);
  const cache = await openCache({
    root,
    source,
    logger: cliLogger(io),
    periodMs: 60 * 60 * 1000,
    lock: { role: 'prefetch', wait, onWaiting },
  });
  const view = new PrefetchView(json ? QUIET : io.stdout, items, { tty: !json && io.stdout.isTTY === true });
  const unsubscribe = cache.subscribe((event) => {
    if (event.type === 'file') view.update(event.status);
  });
  try {
    const needed = items.filter((item) => !cache.store.has(item.sha256));
    for (const item of items) if (!needed.includes(item)) view.cached(item.sha256);
    const neededBytes = needed.reduce((sum, item) => sum + item.size, 0);
    view.message(
      `prefetch ${printable(device.event_id)} into ${root}: ${items.length} files, ${items.length - needed.length} already cached, ${formatBytes(neededBytes)} to fetch`,
    );

    const failures = new Map<string, string>();
    await Promise.all(
      needed.map((item) =>
        cache.fetch({ sha256: item.sha256, size: item.size }).then(
          () => view.done(item.sha256),
          (err: unknown) => {
            const message = err instanceof Error ? err.message : String(err);
            failures.set(item.sha256, message);
            view.failed(item.sha256, message);
          },
        ),
      ),
    );
    if (failures.size === 0) view.message(`all ${items.length} files present and verified in ${root}`);
    view.close();
    if (json) {
      const result = (item: PrefetchItem) =>
        failures.has(item.sha256)
          ? ('failed' as const)
          : needed.includes(item)
            ? ('fetched' as const)
            : ('cached' as const);
      writeJson(io.stdout, PrefetchOutput, {
        event_id: device.event_id,
        root,
        files: items.map((item) => ({
          ...item,
          result: result(item),
          ...(failures.has(item.sha256) ? { error: failures.get(item.sha256) } : {}),
        })),
        already_cached: items.length - needed.length,
        fetched: needed.length - failures.size,
        failed: failures.size,
        bytes_to_fetch: neededBytes,
        complete: failures.size === 0,
      });
    }
    if (failures.size > 0) {
      const names = items.filter((item) => failures.has(item.sha256)).map((item) => printable(item.filename));
      io.stderr.write(
        `prefetch: ${failures.size} of ${items.length} files could not be fetched (${names.join(', ')}); run it again once the API serves them\n`,
      );
      return EXIT.failure;
    }
    return EXIT.ok;
  } finally {
    unsubscribe();
    await cache.close();
  }
}

/** Two event files with the same bytes are one cache entry. */
function uniqueByHash(files: readonly EventFile[]): PrefetchItem[] {
  const items = new Map<string, PrefetchItem>();
  for (const f of files)
    if (!items.has(f.sha256)) items.set(f.sha256, { sha256: f.sha256, filename: f.filename, size: f.size });
  return [...items.values()];
}

export const prefetchCommand: Command = {
  help: singleTopic('prefetch', USAGE),
  run: runPrefetch,
};
