import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { silentLogger } from '../../../base/logger';
import { currentPlatform, platformPaths } from '../../../base/platform';
import { startSimulator, type Simulator } from '../../simulator/index';
import { createApiClient } from '../../../provisioning/api-client';
import { defaultApiUrl } from '../../../provisioning/api-defaults';
import { writeJsonAtomic } from '../../../base/atomic-file';
import { createAetherCore } from '../../../core/create-core';
import {
  type BootstrapFailure,
  type BootstrapFailureCode,
  describeBootstrapFailure,
} from '../../../provisioning/bootstrap-failure';
import { checkWritableFolder, probeBaseUrls } from '../../../provisioning/diagnostics';
import { type SeedLocation, discoverSeed, seedSearchOrder } from '../../../provisioning/seed-discovery';
import { SeedError, displayPath } from '../../../provisioning/seed-errors';
import { type LoadedSeed, loadSeed } from '../../../provisioning/seed-load';
import {
  resolveShare,
  SEEDS_DIR_NAME,
  seedFileName,
  shareCandidatesOf,
  ShareNotFoundError,
} from '../../../provisioning/share-root';
import { localHostname } from '../../../provisioning/local-hostname';
import { execFileRunner } from '../../../base/command-runner';
import type { CliIo, Command } from '../command';
import { EXIT, singleTopic, UsageError } from '../command';
import { DoctorOutput, writeJson } from '../output-schemas';
import { parseCommandArgs } from '../parse-options';
import { printable } from '../terminal-text';

const USAGE = `usage: aether-native doctor [--seed PATH] [--demo] [--share DIR] [--json] [--cache-dir DIR]

Finds the seed, checks each API base URL (GET /v3/health), runs one bootstrap attempt without a
window and reports the device, the target URL, whether the cache and temp folders are writable and
the bootstrap state; also the share folder this laptop uses, its normalised hostname and the exact
seeds/seed_<hostname>.json a laptop without a seed waits for (the first thing to check when the
splash is stuck). Exit 0 only when bootstrap reaches ready or offline-ready: \`doctor --json\` has
"ready" for scripts.

  --seed PATH       use this seed.json (else AETHER_SEED, ~/seed.json, the OS config path)
  --demo            start an embedded API simulator and use its demo seed (temp state folder)
  --share DIR       the share to report (else AETHER_SHARE, ~/admin_share, ~/Sync/admin_share:
                    the first that exists)
  --json            print one JSON object instead of the report (apps/cli/README.md: doctor)
  --cache-dir DIR   check this cache folder instead of the default one`;

/** The doctor's JSON; the schema in output-schemas.ts is its single source. */
export type DoctorReport = DoctorOutput;

interface Options {
  seed?: string;
  demo: boolean;
  json: boolean;
  cacheDir?: string;
  share?: string;
}

function parseOptions(args: string[]): Options {
  const { values } = parseCommandArgs({
    args,
    options: {
      seed: { type: 'string' },
      demo: { type: 'boolean' },
      json: { type: 'boolean' },
      'cache-dir': { type: 'string' },
      share: { type: 'string' },
    },
    allowPositionals: false,
  });
  if (values.demo && values.seed) throw new UsageError('--demo brings its own seed; leave out --seed');
  return {
    demo: values.demo ?? false,
    json: values.json ?? false,
    ...(values.seed ? { seed: values.seed } : {}),
    ...(values['cache-dir'] ? { cacheDir: values['cache-dir'] } : {}),
    ...(values.share ? { share: values.share } : {}),
  };
}

export async function runDoctor(args: string[], io: CliIo): Promise<number> {
  const options = parseOptions(args);
  const home = io.env.HOME || os.homedir();
  const paths = platformPaths({ platform: currentPlatform(), home, env: io.env });
  const logger = silentLogger();
  let sim: Simulator | null = null;
  let scratch: string | null = null;
  try {
    let seedArg = options.seed;
    let stateDir = paths.stateDir;
    let tempRoot = paths.tempRoot;
    let cacheRoot = options.cacheDir ?? paths.cacheRoot;
    if (options.demo) {
      scratch = await mkdtemp(path.join(os.tmpdir(), 'aether-doctor-'));
      sim = await startSimulator({ logger });
      seedArg = path.join(scratch, 'seed.json');
      await writeJsonAtomic(seedArg, sim.demoSeed());
      stateDir = path.join(scratch, 'state');
      tempRoot = path.join(scratch, 'launch');
      cacheRoot = options.cacheDir ?? path.join(scratch, 'cache');
    }
    const bootReport = await diagnose({ seedArg, env: io.env, home, paths, stateDir, cacheRoot, tempRoot });
    if (sim) bootReport.seed.reason = `demo seed of the embedded simulator at ${sim.url}`;
    const ready = bootReport.state === 'ready' || bootReport.state === 'offline-ready';
    const report: DoctorReport = { ready, ...bootReport, ...(await whereTheShareIs(io, options.share, paths)) };
    if (options.json) writeJson(io.stdout, DoctorOutput, report);
    else io.stdout.write(renderReport(report, home));
    // The problem is said once: here on stderr, not also in the report above.
    if (!ready)
      io.stderr.write(
        `aether-native doctor: ${printable(report.seed.error ?? report.reason ?? `bootstrap ended in ${report.state}`)}\n`,
      );
    return ready ? EXIT.ok : EXIT.failure;
  } finally {
    await sim?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

interface DiagnoseInput {
  seedArg: string | undefined;
  env: Record<string, string | undefined>;
  home: string;
  paths: ReturnType<typeof platformPaths>;
  stateDir: string;
  cacheRoot: string;
  tempRoot: string;
}

type BootReport = Omit<DoctorReport, 'ready' | 'share' | 'hostname' | 'share_seed'>;

/** The share, the hostname and the seed a laptop without one waits for, as the app finds them. */
async function whereTheShareIs(
  io: CliIo,
  option: string | undefined,
  paths: ReturnType<typeof platformPaths>,
): Promise<Pick<DoctorReport, 'share' | 'hostname' | 'share_seed'>> {
  const candidates = shareCandidatesOf({ option, paths, env: io.env });
  const hostname = await localHostname({
    platform: currentPlatform(),
    run: execFileRunner({ timeoutMs: 5_000 }),
    logger: silentLogger(),
  });
  let share: DoctorReport['share'];
  try {
    const found = await resolveShare({ option, paths, env: io.env, purpose: 'read' });
    share = { path: found.path, source: found.source, candidates };
  } catch (err) {
    if (!(err instanceof ShareNotFoundError)) throw err;
    share = { path: null, source: null, candidates, error: err.message };
  }
  // With no share yet, the app waits in the first candidate (provisioning/share-root.ts preferredShareRoot).
  const folder = share.path ?? candidates[0]?.path ?? path.join(io.env.HOME || os.homedir(), 'admin_share');
  const file = seedFileName(hostname);
  const seedPath = path.join(folder, SEEDS_DIR_NAME, file);
  const exists = await fs.stat(seedPath).then(
    (s) => s.isFile(),
    () => false,
  );
  return { share, hostname, share_seed: { file, path: seedPath, exists } };
}

async function diagnose(input: DiagnoseInput): Promise<BootReport> {
  const logger = silentLogger();
  const folders = {
    cache: await checkWritableFolder(input.cacheRoot),
    temp: await checkWritableFolder(input.tempRoot),
  };
  const empty = { api: [], device: null, target_url: null, allowed_origins: [], api_answered: null, folders };
  const discovery = {
    ...(input.seedArg ? { seedArg: input.seedArg } : {}),
    env: input.env,
    packaged: false,
    paths: input.paths,
    home: input.home,
  };

  let location: SeedLocation | null;
  let loaded: LoadedSeed;
  try {
    location = await discoverSeed(discovery);
    if (!location) {
      const failure: BootstrapFailure = {
        code: 'seed-missing',
        searched: seedSearchOrder(discovery).map((p) => displayPath(p, input.home)),
      };
      return {
        ...empty,
        seed: { path: null, error: describeBootstrapFailure(failure) },
        state: 'failed',
        failure: failure.code,
      };
    }
    loaded = await loadSeed(location.path, { logger, defaultApiUrl: defaultApiUrl(input.env), home: input.home });
  } catch (err) {
    if (!(err instanceof SeedError)) throw err;
    return { ...empty, seed: { path: err.path, error: err.message }, state: 'failed', failure: 'seed-invalid' };
  }
  const seedReport = {
    path: loaded.path,
    source: location.source,
    reason: location.reason,
    event_device_id: loaded.seed.event_device_id,
    warnings: loaded.warnings,
  };

  const prober = createApiClient({ seed: loaded.seed, shownSeedPath: displayPath(loaded.path, input.home), logger });
  // The application core in its diagnostic mode: the app's last good record is read, never written.
  const core = await createAetherCore({
    mode: 'diagnostic',
    platform: currentPlatform(),
    paths: { ...input.paths, stateDir: input.stateDir },
    env: input.env,
    home: input.home,
    packaged: false,
    logger,
    defaultApiUrl: defaultApiUrl(input.env),
    seedArg: loaded.path,
  });
  try {
    const [api, view] = await Promise.all([probeBaseUrls(loaded.seed, prober), core.runOnce()]);
    const state = core.state();
    const identity = view.kind === 'identified' ? view : null;
    const device = identity?.device ?? null;
    return {
      seed: seedReport,
      api,
      device: device && {
        event_device_id: device.event_device_id,
        ...(device.name ? { name: device.name } : {}),
        event_id: device.event_id,
        event_location_id: device.event_location_id,
        app_base_url: device.app_base_url,
        mode: device.mode,
      },
      target_url: identity?.targetUrl ?? null,
      allowed_origins: identity?.allowedOrigins ?? [],
      api_answered: identity?.online ? identity.api : null,
      folders,
      state: state.kind,
      ...(state.kind === 'failed' || state.kind === 'offline-ready'
        ? { failure: state.failure.code, reason: state.reason }
        : {}),
    };
  } finally {
    await Promise.all([core.close(), prober.close()]);
  }
}

function renderReport(report: DoctorReport, home: string): string {
  const rows: Array<[string, string]> = [];
  const seed = report.seed;
  rows.push([
    'seed',
    seed.path ? `${displayPath(seed.path, home)}${seed.reason ? ` (${seed.reason})` : ''}` : 'none found',
  ]);
  if (seed.error) rows.push(['', 'unusable (the problem is below)']);
  for (const warning of seed.warnings ?? []) rows.push(['', `warning: ${warning}`]);
  if (seed.event_device_id) rows.push(['device id', seed.event_device_id]);
  report.api.forEach((probe, i) => {
    const status = probe.ok ? `ok ${probe.ms} ms` : `not reachable: ${probe.error ?? 'unknown'}`;
    rows.push([i === 0 ? 'api' : '', `${probe.role.padEnd(8)}${probe.url}  ${status}`]);
  });
  if (report.device) {
    const d = report.device;
    rows.push([
      'device',
      `${d.name ?? d.event_device_id} (event ${d.event_id}, location ${d.event_location_id}, mode ${d.mode})`,
    ]);
  }
  if (report.target_url) rows.push(['target url', report.target_url]);
  if (report.allowed_origins.length) rows.push(['origins', report.allowed_origins.join(', ')]);
  for (const [label, check] of [
    ['cache dir', report.folders.cache],
    ['temp dir', report.folders.temp],
  ] as const) {
    rows.push([
      label,
      `${displayPath(check.path, home)}  ${check.writable ? 'writable' : `NOT writable: ${check.error ?? 'unknown'}`}`,
    ]);
  }
  const via = report.api_answered ? ` via ${report.api_answered}` : '';
  rows.push(['state', `${report.state}${via}`]);
  if (report.reason && report.ready) rows.push(['', `reason: ${report.reason}`]);
  rows.push([
    'share',
    report.share.path
      ? `${displayPath(report.share.path, home)} (${SHARE_SOURCE[report.share.source ?? 'home']})`
      : `none found (looked at ${report.share.candidates.map((c) => displayPath(c.path, home)).join(', ')})`,
  ]);
  rows.push(['hostname', report.hostname]);
  const waits = `${displayPath(report.share_seed.path, home)}  ${report.share_seed.exists ? 'present' : 'not there'}`;
  rows.push([
    'share seed',
    report.seed.path && !report.seed.error
      ? `${waits} (only read while no seed is installed)`
      : `${waits} (a laptop without a seed waits for this file)`,
  ]);
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return `${['Aether Native doctor', ...rows.map(([label, value]) => `  ${label.padEnd(width)}${printable(value)}`)].join('\n')}\n`;
}

const SHARE_SOURCE = {
  option: 'given with --share',
  environment: 'named by AETHER_SHARE',
  home: 'the default',
  'sync-folder': 'the Syncthing default',
} as const;

export const doctorCommand: Command = {
  help: singleTopic('doctor', USAGE),
  run: runDoctor,
};
