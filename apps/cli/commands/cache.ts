import fs from 'node:fs/promises';
import { staticFileSource } from '../../../cache/file-source';
import { nodeCacheFs } from '../../../cache/cache-fs';
import { type Cache, openCache } from '../../../cache/service';
import { openStore } from '../../../cache/open-store';
import { SHA256_PATTERN } from '../../../contracts/api';
import type { CliIo, Command, HelpTopic } from '../command';
import { EXIT, UsageError } from '../command';
import { CacheGcOutput, CacheStatusOutput, CacheVerifyOutput, writeJson } from '../output-schemas';
import { printable } from '../terminal-text';
import {
  cliLogger,
  type DeviceFiles,
  FileListUnavailableError,
  loadDeviceFiles,
  resolveCacheRoot,
} from './cache-context';
import { entriesOnDisk, quarantineContents } from './cache-disk';
import { parseCommandArgs } from './ops-args';
import { formatBytes } from './prefetch-view';

const SEED_HELP = `  --seed PATH       the seed.json whose device's file list to compare with (default: the app's own
                    seed discovery: AETHER_SEED, ~/seed.json, the OS config path); the CLI asks the API
                    for the list once and stores nothing`;
const CACHE_DIR_HELP = `  --cache-dir DIR   the cache root (default: the device's local_file_cache_path, else the OS cache folder)`;

const STATUS_USAGE = `usage: aether-native cache status [--check] [--json] [--seed PATH] [--cache-dir DIR]

Entries and bytes in the cache; with a seed, which of the device's event files are present or missing.
Creates nothing: a cache folder that is not there reports 0 entries.

  --check           readiness check for scripts: exit 0 only when every file of the device's current
                    list is present, 1 otherwise (also 1 when the list cannot be had: no seed, API down)
  --json            one JSON object (apps/cli/README.md: cache status)
${SEED_HELP}
${CACHE_DIR_HELP}`;

const WAIT_HELP = `  --wait            while the app or prefetch uses the cache this refuses, naming it; with --wait it
                    waits until the cache is free (status and gc --dry-run never need to)`;

const VERIFY_USAGE = `usage: aether-native cache verify [--wait] [--json] [--cache-dir DIR]

Re-hashes every entry and moves any whose content does not match its SHA-256 into the quarantine
folder (the app or prefetch downloads it again). Exit 1 if any entry was bad.

  --json            one JSON object (apps/cli/README.md: cache verify)
${WAIT_HELP}
${CACHE_DIR_HELP}`;

const GC_USAGE = `usage: aether-native cache gc [--dry-run] [--keep-list FILE] [--wait] [--seed PATH] [--json] [--cache-dir DIR]

Removes the entries that are neither in the device's current file list nor in --keep-list, and
empties the quarantine folder (reported on its own line). Never removes a file of the current list.
Needs to know what to keep: a seed (found or --seed) or --keep-list.

  --dry-run         only list what would be removed and how much space it would free; change nothing
  --keep-list FILE  also keep these: one SHA-256 per line, # starts a comment (e.g. tomorrow's files)
  --json            one JSON object (apps/cli/README.md: cache gc)
${WAIT_HELP}
${SEED_HELP}
${CACHE_DIR_HELP}`;

const OVERVIEW = `usage: aether-native cache status [--check] [--json] [--seed PATH] [--cache-dir DIR]
       aether-native cache verify [--wait] [--json] [--cache-dir DIR]
       aether-native cache gc [--dry-run] [--keep-list FILE] [--wait] [--seed PATH] [--json] [--cache-dir DIR]

  status   entries and bytes; which of the device's event files are present; --check for scripts
  verify   re-hash every entry, quarantine mismatches; exits 1 if any were bad
  gc       remove entries not in the device's current file list (nor --keep-list)

Run \`aether-native cache <status|verify|gc> --help\` for each one's options.`;

/** Downloads never happen here; the source is only there because the cache needs one. */
const NO_DOWNLOADS = staticFileSource([], null);

/** Inspecting a cache folder that is not there must not create it (a typo in --cache-dir would). */
async function cacheExists(root: string): Promise<boolean> {
  return (await fs.stat(root).catch(() => null))?.isDirectory() ?? false;
}

/** Opens the cache as its one writer: refuses (CacheLockedError, naming the holder) or waits with --wait. */
async function withCache<T>(
  io: CliIo,
  root: string,
  role: 'cache gc' | 'cache verify',
  wait: boolean,
  use: (cache: Cache) => Promise<T>,
): Promise<T> {
  const lock = {
    role,
    wait,
    onWaiting: (_holder: unknown, message: string) =>
      io.stderr.write(`${message.replace(/; quit it or run with --wait$/, '')}; waiting for it to finish\n`),
  };
  const cache = await openCache({ root, source: NO_DOWNLOADS, logger: cliLogger(io), periodMs: 60 * 60 * 1000, lock });
  try {
    return await use(cache);
  } finally {
    await cache.close();
  }
}

/** A look that writes nothing and needs no lock: works beside the running app and on a full disk. */
function readOnly<T>(io: CliIo, root: string, use: (opened: Awaited<ReturnType<typeof openStore>>) => T): Promise<T> {
  return openStore({ root, fs: nodeCacheFs, logger: cliLogger(io), mode: 'read' }).then(use);
}

/** The device's list when a seed is available; null without one; an explicit --seed that fails is an error. */
async function optionalFileList(
  io: CliIo,
  seed: string | undefined,
): Promise<{ list: DeviceFiles | null; problem: string | null }> {
  try {
    return { list: await loadDeviceFiles(io, seed, cliLogger(io)), problem: null };
  } catch (err) {
    if (seed || !(err instanceof FileListUnavailableError)) throw err;
    return { list: null, problem: err.message };
  }
}

async function status(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs({
    args,
    options: {
      json: { type: 'boolean' },
      check: { type: 'boolean' },
      seed: { type: 'string' },
      'cache-dir': { type: 'string' },
    },
    allowPositionals: false,
  });
  const { list, problem } = await optionalFileList(io, values.seed);
  try {
    const root = resolveCacheRoot(io, values['cache-dir'], list?.device);
    const exists = await cacheExists(root);
    const summarise = (entries: number, bytes: number, has: (sha256: string) => boolean): CacheStatusOutput => {
      const event = list ? eventSummary(list, has) : null;
      return {
        root,
        exists,
        entries,
        bytes,
        event,
        file_list_problem: problem,
        ready: event !== null && event.missing === 0,
      };
    };
    const report = exists
      ? await readOnly(io, root, ({ store }) => summarise(store.count, store.totalBytes, (sha) => store.has(sha)))
      : summarise(0, 0, () => false);
    const code = values.check && !report.ready ? EXIT.failure : EXIT.ok;
    if (values.json) {
      writeJson(io.stdout, CacheStatusOutput, report);
      return code;
    }
    const lines = [
      `cache ${report.root}: ${report.entries} entries, ${formatBytes(report.bytes)}${exists ? '' : ' (the folder does not exist yet)'}`,
    ];
    if (report.event) {
      lines.push(
        `event ${printable(report.event.event_id)}: ${report.event.present} present, ${report.event.missing} missing`,
      );
      for (const f of report.event.files)
        lines.push(
          `  ${f.state === 'present' ? 'present' : 'MISSING'}  ${f.sha256.slice(0, 12)}  ${formatBytes(f.size).padStart(10)}  ${printable(f.filename)}`,
        );
    } else {
      lines.push(
        problem ? `no file list: ${problem}` : 'no seed found: pass --seed PATH to compare with the device file list',
      );
    }
    if (values.check)
      lines.push(
        report.ready
          ? 'ready: every file of the list is present'
          : `NOT ready: ${report.event ? `${report.event.missing} file(s) missing` : 'the device file list is not known'}`,
      );
    io.stdout.write(`${lines.join('\n')}\n`);
    return code;
  } finally {
    await list?.close();
  }
}

function eventSummary(list: DeviceFiles, has: (sha256: string) => boolean): NonNullable<CacheStatusOutput['event']> {
  const files = list.files.map((f) => ({
    filename: f.filename,
    sha256: f.sha256,
    size: f.size,
    state: has(f.sha256) ? ('present' as const) : ('missing' as const),
  }));
  const present = files.filter((f) => f.state === 'present').length;
  return { event_id: list.device.event_id, present, missing: files.length - present, files };
}

async function verify(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs({
    args,
    options: { json: { type: 'boolean' }, wait: { type: 'boolean' }, 'cache-dir': { type: 'string' } },
    allowPositionals: false,
  });
  const root = resolveCacheRoot(io, values['cache-dir']);
  const exists = await cacheExists(root);
  const report = exists
    ? await withCache(io, root, 'cache verify', values.wait === true, (cache) => cache.verify())
    : { checked: 0, ok: 0, quarantined: [] };
  if (values.json) {
    const quarantined = report.quarantined.map((q) => ({
      sha256: q.sha256,
      actual: q.actual,
      quarantine_path: q.quarantinePath || null,
    }));
    writeJson(io.stdout, CacheVerifyOutput, { root, exists, checked: report.checked, ok: report.ok, quarantined });
  } else if (!exists) {
    io.stdout.write(`no cache at ${root}: nothing to verify\n`);
  } else {
    io.stdout.write(
      `verified ${report.checked} entries in ${root}: ${report.ok} ok, ${report.quarantined.length} quarantined\n`,
    );
    for (const q of report.quarantined) {
      const found = q.actual ? `content hashes to ${q.actual}` : 'content does not match its name';
      io.stdout.write(`  BAD ${q.sha256}: ${found}; moved to ${q.quarantinePath || 'the quarantine folder'}\n`);
    }
  }
  return report.quarantined.length > 0 ? EXIT.failure : EXIT.ok;
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
    if (!SHA256_PATTERN.test(line))
      throw new UsageError(
        `--keep-list ${file} line ${index + 1}: expected 64 lower-case hex characters, got "${printable(line.slice(0, 80))}"`,
      );
    hashes.push(line);
  });
  return hashes;
}

async function gc(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs({
    args,
    options: {
      'keep-list': { type: 'string' },
      'dry-run': { type: 'boolean' },
      wait: { type: 'boolean' },
      json: { type: 'boolean' },
      seed: { type: 'string' },
      'cache-dir': { type: 'string' },
    },
    allowPositionals: false,
  });
  const keepFromFile = values['keep-list'] ? await readKeepList(values['keep-list']) : [];
  const { list, problem } = await optionalFileList(io, values.seed);
  try {
    if (!list && !values['keep-list']) {
      throw new UsageError(
        `gc needs the current file list to know what to keep: pass --seed PATH or --keep-list FILE${problem ? ` (${problem})` : ''}`,
      );
    }
    const keep = [...keepFromFile, ...(list?.files.map((f) => f.sha256) ?? [])];
    const root = resolveCacheRoot(io, values['cache-dir'], list?.device);
    const dryRun = values['dry-run'] ?? false;
    const report = (await cacheExists(root))
      ? await collect(io, root, keep, dryRun, values.wait === true)
      : {
          root,
          exists: false,
          dry_run: dryRun,
          removed: [],
          removed_bytes: 0,
          kept: 0,
          quarantine: { files: 0, bytes: 0 },
        };
    if (values.json) writeJson(io.stdout, CacheGcOutput, report);
    else io.stdout.write(gcText(report));
    return EXIT.ok;
  } finally {
    await list?.close();
  }
}

/** Sizes are read before anything is removed, so entries and the quarantine are reported apart. */
async function collect(
  io: CliIo,
  root: string,
  keep: readonly string[],
  dryRun: boolean,
  wait: boolean,
): Promise<CacheGcOutput> {
  const sizes = await entriesOnDisk(root);
  const quarantine = await quarantineContents(root);
  const keepSet = new Set(keep);
  let removedHashes: string[];
  let kept: number;
  if (dryRun) {
    removedHashes = [...sizes.keys()].filter((sha) => !keepSet.has(sha));
    kept = sizes.size - removedHashes.length;
  } else {
    const done = await withCache(io, root, 'cache gc', wait, (cache) => cache.gc(keep));
    removedHashes = done.removed;
    kept = done.kept;
  }
  const removed = removedHashes.map((sha256) => ({ sha256, bytes: sizes.get(sha256) ?? null }));
  const removedBytes = removed.reduce((sum, r) => sum + (r.bytes ?? 0), 0);
  const clearedQuarantine = dryRun ? quarantine : subtract(quarantine, await quarantineContents(root));
  return {
    root,
    exists: true,
    dry_run: dryRun,
    removed,
    removed_bytes: removedBytes,
    kept,
    quarantine: clearedQuarantine,
  };
}

function subtract(before: { files: number; bytes: number }, after: { files: number; bytes: number }) {
  return { files: Math.max(0, before.files - after.files), bytes: Math.max(0, before.bytes - after.bytes) };
}

function gcText(report: CacheGcOutput): string {
  if (!report.exists) return `no cache at ${report.root}: nothing to remove\n`;
  const verb = report.dry_run ? 'would remove' : 'removed';
  const lines = report.removed.map(
    (r) => `  ${verb} ${r.sha256}${r.bytes === null ? '' : ` (${formatBytes(r.bytes)})`}`,
  );
  const head = report.dry_run ? `gc --dry-run ${report.root}` : `gc ${report.root}`;
  lines.push(
    `${head}: ${verb} ${report.removed.length} entries (${formatBytes(report.removed_bytes)}), kept ${report.kept}`,
  );
  if (report.quarantine.files > 0) {
    lines.push(
      `  quarantine: ${report.dry_run ? 'would clear' : 'cleared'} ${report.quarantine.files} file(s) (${formatBytes(report.quarantine.bytes)}) set aside by verify or failed downloads`,
    );
  }
  if (report.dry_run) lines.push('nothing was changed');
  return `${lines.join('\n')}\n`;
}

const SUBCOMMANDS: Record<string, { run: (args: string[], io: CliIo) => Promise<number>; usage: string }> = {
  status: { run: status, usage: STATUS_USAGE },
  verify: { run: verify, usage: VERIFY_USAGE },
  gc: { run: gc, usage: GC_USAGE },
};

function topic(args: readonly string[]): HelpTopic {
  const name = args[0];
  const sub = name ? SUBCOMMANDS[name] : undefined;
  return sub && name ? { label: `cache ${name}`, usage: sub.usage } : { label: 'cache', usage: OVERVIEW };
}

export const cacheCommand: Command = {
  help: topic,
  async run(args, io) {
    const [name, ...rest] = args;
    const sub = name ? SUBCOMMANDS[name] : undefined;
    if (!sub)
      throw new UsageError(
        name
          ? `unknown cache subcommand "${printable(name)}"; it is one of status, verify, gc.`
          : 'which one: status, verify or gc?',
      );
    return sub.run(rest, io);
  },
};
