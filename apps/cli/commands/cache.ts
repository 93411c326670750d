import fs from 'node:fs/promises';
import { staticFileSource } from '../../../cache/file-source';
import { nodeCacheFs } from '../../../cache/cache-fs';
import { type Cache, openCache } from '../../../cache/service';
import { openStore } from '../../../cache/store';
import { SHA256_PATTERN } from '../../../contracts/api';
import type { CliIo, Command } from '../command';
import { UsageError } from '../command';
import { cliLogger, type DeviceFiles, FileListUnavailableError, loadDeviceFiles, resolveCacheRoot } from './cache-context';
import { parseCommandArgs } from './ops-args';
import { formatBytes, printable } from './prefetch-view';

const USAGE = `usage: aether-native cache status [--json] [--seed PATH] [--cache-dir DIR]
       aether-native cache verify [--wait] [--cache-dir DIR]
       aether-native cache gc [--keep-list FILE] [--dry-run] [--wait] [--seed PATH] [--cache-dir DIR]

  status   entries and bytes; with a seed, which of the device's event files are present or missing
  verify   re-hash every entry, quarantine mismatches; exits 1 if any were bad
  gc       remove entries that are neither in the device's current file list nor in --keep-list
           (one SHA-256 per line, # comments); never removes a file of the current list
  --cache-dir DIR   the cache root (default: the device's local_file_cache_path, else the OS cache folder)
  --wait            verify and gc change the cache: while the app or prefetch uses it they refuse,
                    naming it; with --wait they wait until it is free (status and --dry-run never wait)`;

/** Downloads never happen here; the source is only there because the cache needs one. */
const NO_DOWNLOADS = staticFileSource([], null);

/** Inspecting a cache folder that is not there must not create it (a typo in --cache-dir would). */
async function cacheExists(root: string): Promise<boolean> {
  return (await fs.stat(root).catch(() => null))?.isDirectory() ?? false;
}

/** Opens the cache as its one writer: refuses (CacheLockedError, naming the holder) or waits with --wait. */
async function withCache<T>(io: CliIo, root: string, role: 'cache gc' | 'cache verify', wait: boolean, use: (cache: Cache) => Promise<T>): Promise<T> {
  const lock = { role, wait, onWaiting: (_holder: unknown, message: string) => io.stderr.write(`${message.replace(/; quit it or run with --wait$/, '')}; waiting for it to finish\n`) };
  const cache = await openCache({ root, source: NO_DOWNLOADS, logger: cliLogger(io), periodMs: 60 * 60 * 1000, lock });
  try {
    return await use(cache);
  } finally {
    await cache.close();
  }
}

/** The device's list when a seed is available; null without one; an explicit --seed that fails is an error. */
async function optionalFileList(io: CliIo, seed: string | undefined): Promise<{ list: DeviceFiles | null; problem: string | null }> {
  try {
    return { list: await loadDeviceFiles(io, seed, cliLogger(io)), problem: null };
  } catch (err) {
    if (seed || !(err instanceof FileListUnavailableError)) throw err;
    return { list: null, problem: err.message };
  }
}

async function status(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs({ args, options: { json: { type: 'boolean' }, seed: { type: 'string' }, 'cache-dir': { type: 'string' } }, strict: true, allowPositionals: false });
  const { list, problem } = await optionalFileList(io, values.seed);
  try {
    const root = resolveCacheRoot(io, values['cache-dir'], list?.device);
    const summarise = (entries: number, bytes: number, has: (sha256: string) => boolean) => ({
      root,
      entries,
      bytes,
      event: list ? eventSummary(list, has) : null,
      fileListProblem: problem,
    });
    const report = (await cacheExists(root))
      ? await readOnly(io, root, ({ store }) => summarise(store.count, store.totalBytes, (sha) => store.has(sha)))
      : summarise(0, 0, () => false);
    if (values.json) {
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    const lines = [`cache ${report.root}: ${report.entries} entries, ${formatBytes(report.bytes)}`];
    if (report.event) {
      lines.push(`event ${report.event.event_id}: ${report.event.present} present, ${report.event.missing} missing`);
      for (const f of report.event.files) lines.push(`  ${f.state === 'present' ? 'present' : 'MISSING'}  ${f.sha256.slice(0, 12)}  ${formatBytes(f.size).padStart(10)}  ${printable(f.filename)}`);
    } else {
      lines.push(problem ? `no file list: ${problem}` : 'no seed found: pass --seed PATH to compare with the device file list');
    }
    io.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } finally {
    await list?.close();
  }
}

function eventSummary(list: DeviceFiles, has: (sha256: string) => boolean) {
  const files = list.files.map((f) => ({ filename: f.filename, sha256: f.sha256, size: f.size, state: has(f.sha256) ? ('present' as const) : ('missing' as const) }));
  const present = files.filter((f) => f.state === 'present').length;
  return { event_id: list.device.event_id, present, missing: files.length - present, files };
}

async function verify(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs({ args, options: { 'cache-dir': { type: 'string' }, wait: { type: 'boolean' } }, strict: true, allowPositionals: false });
  const root = resolveCacheRoot(io, values['cache-dir']);
  if (!(await cacheExists(root))) {
    io.stdout.write(`no cache at ${root}: nothing to verify\n`);
    return 0;
  }
  const report = await withCache(io, root, 'cache verify', values.wait === true, (cache) => cache.verify());
  io.stdout.write(`verified ${report.checked} entries in ${root}: ${report.ok} ok, ${report.quarantined.length} quarantined\n`);
  for (const q of report.quarantined) {
    const found = q.actual ? `content hashes to ${q.actual}` : 'content does not match its name';
    io.stdout.write(`  BAD ${q.sha256}: ${found}; moved to ${q.quarantinePath || 'the quarantine folder'}\n`);
  }
  return report.quarantined.length > 0 ? 1 : 0;
}

async function readKeepList(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--keep-list ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const hashes: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    if (!SHA256_PATTERN.test(line)) throw new UsageError(`--keep-list ${file} line ${index + 1}: expected 64 lower-case hex characters, got "${printable(line.slice(0, 80))}"`);
    hashes.push(line);
  });
  return hashes;
}

async function gc(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs({
    args,
    options: { 'keep-list': { type: 'string' }, 'dry-run': { type: 'boolean' }, wait: { type: 'boolean' }, seed: { type: 'string' }, 'cache-dir': { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const keepFromFile = values['keep-list'] ? await readKeepList(values['keep-list']) : [];
  const { list, problem } = await optionalFileList(io, values.seed);
  try {
    if (!list && !values['keep-list']) {
      throw new UsageError(`gc needs the current file list to know what to keep: pass --seed PATH or --keep-list FILE${problem ? ` (${problem})` : ''}`);
    }
    const keep = [...keepFromFile, ...(list?.files.map((f) => f.sha256) ?? [])];
    const root = resolveCacheRoot(io, values['cache-dir'], list?.device);
    if (!(await cacheExists(root))) {
      io.stdout.write(`no cache at ${root}: nothing to remove\n`);
      return 0;
    }
    if (values['dry-run']) return await dryRun(io, root, new Set(keep));
    const report = await withCache(io, root, 'cache gc', values.wait === true, (cache) => cache.gc(keep));
    io.stdout.write(`gc ${root}: removed ${report.removed.length} entries (${formatBytes(report.freedBytes)}), kept ${report.kept}\n`);
    return 0;
  } finally {
    await list?.close();
  }
}

/** A look that writes nothing and needs no lock: works beside the running app and on a full disk. */
function readOnly<T>(io: CliIo, root: string, use: (opened: Awaited<ReturnType<typeof openStore>>) => T): Promise<T> {
  return openStore({ root, fs: nodeCacheFs, logger: cliLogger(io), mode: 'read' }).then(use);
}

async function dryRun(io: CliIo, root: string, keep: ReadonlySet<string>): Promise<number> {
  const { store, unverified } = await readOnly(io, root, (opened) => opened);
  const doomed = [...store.hashes(), ...unverified].filter((sha) => !keep.has(sha));
  for (const sha of doomed) io.stdout.write(`  would remove ${sha}${store.has(sha) ? ` (${formatBytes(store.sizeOf(sha) ?? 0)})` : ' (unverified)'}\n`);
  io.stdout.write(`gc --dry-run ${root}: would remove ${doomed.length} entries, keep ${store.count + unverified.length - doomed.length}; nothing was changed\n`);
  return 0;
}

const SUBCOMMANDS: Record<string, (args: string[], io: CliIo) => Promise<number>> = { status, verify, gc };

export const cacheCommand: Command = {
  summary: 'inspect and maintain the file cache: status [--json], verify, gc',
  usage: USAGE,
  async run(args, io) {
    const [name, ...rest] = args;
    const sub = name ? SUBCOMMANDS[name] : undefined;
    if (!sub) throw new UsageError(name ? `unknown cache subcommand "${name}"` : 'which one: status, verify or gc?');
    return sub(rest, io);
  },
};
