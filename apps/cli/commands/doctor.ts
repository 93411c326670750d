import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../../../base/logger';
import { currentPlatform, platformPaths } from '../../../base/platform';
import { startSimulator, type Simulator } from '../../simulator/index';
import { createApiClient } from '../../../provisioning/api-client';
import { defaultApiUrl } from '../../../provisioning/api-defaults';
import { writeJsonAtomic } from '../../../base/atomic-file';
import { createAetherCore } from '../../../core/create-core';
import { type BootstrapFailure, type BootstrapFailureCode, describeBootstrapFailure } from '../../../provisioning/bootstrap-failure';
import type { BootstrapState } from '../../../provisioning/bootstrap-state';
import { type ApiProbe, type FolderCheck, checkWritableFolder, probeBaseUrls } from '../../../provisioning/diagnostics';
import { type SeedLocation, discoverSeed, seedSearchOrder } from '../../../provisioning/seed-discovery';
import { SeedError, displayPath } from '../../../provisioning/seed-errors';
import { type LoadedSeed, loadSeed } from '../../../provisioning/seed-load';
import type { CliIo, Command } from '../command';
import { UsageError } from '../command';

const USAGE = `usage: aether-native doctor [--seed PATH] [--demo] [--json] [--cache-dir DIR]

Finds the seed, checks each API base URL (GET /v3/health), runs one bootstrap attempt without a
window and reports the device, the target URL, whether the cache and temp folders are writable and
the bootstrap state. Exit 0 only when bootstrap reaches ready or offline-ready.

  --seed PATH       use this seed.json (else AETHER_SEED, ~/seed.json, the OS config path)
  --demo            start an embedded API simulator and use its demo seed (temp state folder)
  --json            print one JSON object instead of the report
  --cache-dir DIR   check this cache folder instead of the default one`;

export interface DoctorReport {
  seed: { path: string | null; source?: SeedLocation['source']; reason?: string; event_device_id?: string; warnings?: string[]; error?: string };
  api: ApiProbe[];
  device: { event_device_id: string; name?: string; event_id: string; event_location_id: string; app_base_url: string; mode: string } | null;
  target_url: string | null;
  allowed_origins: string[];
  api_answered: string | null;
  folders: { cache: FolderCheck; temp: FolderCheck };
  state: BootstrapState['kind'];
  /** The typed failure code when the state is failed or offline-ready (scripts switch on it, not on `reason`). */
  failure?: BootstrapFailureCode;
  reason?: string;
}

interface Options {
  seed?: string;
  demo: boolean;
  json: boolean;
  cacheDir?: string;
}

function parseOptions(args: string[]): Options {
  let values: { seed?: string; demo?: boolean; json?: boolean; 'cache-dir'?: string };
  try {
    ({ values } = parseArgs({ args, options: { seed: { type: 'string' }, demo: { type: 'boolean' }, json: { type: 'boolean' }, 'cache-dir': { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.demo && values.seed) throw new UsageError('--demo brings its own seed; leave out --seed');
  return { demo: values.demo ?? false, json: values.json ?? false, ...(values.seed ? { seed: values.seed } : {}), ...(values['cache-dir'] ? { cacheDir: values['cache-dir'] } : {}) };
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
    const report = await diagnose({ seedArg, env: io.env, home, paths, stateDir, cacheRoot, tempRoot });
    if (sim) report.seed.reason = `demo seed of the embedded simulator at ${sim.url}`;
    io.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, home));
    // Only an identity (the core's `identified`, online or from the last good record) has a target URL.
    const ok = report.target_url !== null;
    if (!ok) io.stderr.write(`aether-native doctor: ${report.seed.error ?? report.reason ?? `bootstrap ended in ${report.state}`}\n`);
    return ok ? 0 : 1;
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

async function diagnose(input: DiagnoseInput): Promise<DoctorReport> {
  const logger = silentLogger();
  const folders = { cache: await checkWritableFolder(input.cacheRoot), temp: await checkWritableFolder(input.tempRoot) };
  const empty = { api: [], device: null, target_url: null, allowed_origins: [], api_answered: null, folders };
  const discovery = { ...(input.seedArg ? { seedArg: input.seedArg } : {}), env: input.env, packaged: false, paths: input.paths, home: input.home };

  let location: SeedLocation | null;
  let loaded: LoadedSeed;
  try {
    location = await discoverSeed(discovery);
    if (!location) {
      const failure: BootstrapFailure = { code: 'seed-missing', searched: seedSearchOrder(discovery).map((p) => displayPath(p, input.home)) };
      return { ...empty, seed: { path: null, error: describeBootstrapFailure(failure) }, state: 'failed', failure: failure.code };
    }
    loaded = await loadSeed(location.path, { logger, defaultApiUrl: defaultApiUrl(input.env), home: input.home });
  } catch (err) {
    if (!(err instanceof SeedError)) throw err;
    return { ...empty, seed: { path: err.path, error: err.message }, state: 'failed', failure: 'seed-invalid' };
  }
  const seedReport = { path: loaded.path, source: location.source, reason: location.reason, event_device_id: loaded.seed.event_device_id, warnings: loaded.warnings };

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
      device: device && { event_device_id: device.event_device_id, ...(device.name ? { name: device.name } : {}), event_id: device.event_id, event_location_id: device.event_location_id, app_base_url: device.app_base_url, mode: device.mode },
      target_url: identity?.targetUrl ?? null,
      allowed_origins: identity?.allowedOrigins ?? [],
      api_answered: identity?.online ? identity.api : null,
      folders,
      state: state.kind,
      ...(state.kind === 'failed' || state.kind === 'offline-ready' ? { failure: state.failure.code, reason: state.reason } : {}),
    };
  } finally {
    await Promise.all([core.close(), prober.close()]);
  }
}

function renderReport(report: DoctorReport, home: string): string {
  const rows: Array<[string, string]> = [];
  const seed = report.seed;
  rows.push(['seed', seed.path ? `${displayPath(seed.path, home)}${seed.reason ? ` (${seed.reason})` : ''}` : 'none found']);
  if (seed.error) rows.push(['', `problem: ${seed.error}`]);
  for (const warning of seed.warnings ?? []) rows.push(['', `warning: ${warning}`]);
  if (seed.event_device_id) rows.push(['device id', seed.event_device_id]);
  report.api.forEach((probe, i) => {
    const status = probe.ok ? `ok ${probe.ms} ms` : `not reachable: ${probe.error ?? 'unknown'}`;
    rows.push([i === 0 ? 'api' : '', `${probe.role.padEnd(8)}${probe.url}  ${status}`]);
  });
  if (report.device) {
    const d = report.device;
    rows.push(['device', `${d.name ?? d.event_device_id} (event ${d.event_id}, location ${d.event_location_id}, mode ${d.mode})`]);
  }
  if (report.target_url) rows.push(['target url', report.target_url]);
  if (report.allowed_origins.length) rows.push(['origins', report.allowed_origins.join(', ')]);
  for (const [label, check] of [['cache dir', report.folders.cache], ['temp dir', report.folders.temp]] as const) {
    rows.push([label, `${displayPath(check.path, home)}  ${check.writable ? 'writable' : `NOT writable: ${check.error ?? 'unknown'}`}`]);
  }
  const via = report.api_answered ? ` via ${report.api_answered}` : '';
  rows.push(['state', `${report.state}${via}`]);
  if (report.reason && !seed.error) rows.push(['', `reason: ${report.reason}`]);
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return `${['Aether Native doctor', ...rows.map(([label, value]) => `  ${label.padEnd(width)}${value}`)].join('\n')}\n`;
}

export const doctorCommand: Command = {
  summary: 'check the seed, the API base URLs, the device and the folders; one bootstrap attempt',
  usage: USAGE,
  run: runDoctor,
};
