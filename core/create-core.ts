import path from 'node:path';
import { type CommandRunner, execFileRunner } from '../base/command-runner';
import type { Clock } from '../base/clock';
import type { Logger } from '../base/logger';
import { currentArch, type Platform, type PlatformPaths } from '../base/platform';
import type { FileSource } from '../cache/file-source';
import type { CacheService } from '../cache/service';
import { normaliseHostname } from '../contracts/hostname';
import type { Opener } from '../kiosk/launch-handover';
import type { LaunchService } from '../kiosk/launch-service';
import type { ApiClient } from '../provisioning/api-client';
import { type ApiTimeouts, createBootstrap } from '../provisioning/bootstrap';
import type { BootstrapState } from '../provisioning/bootstrap-state';
import { localHostname } from '../provisioning/local-hostname';
import type { BackoffPolicy as RetryPolicy } from '../base/backoff';
import { MemorySecretStore, type SecretStore } from '../provisioning/secret-store';
import { type SeedDiscoveryInput, seedFinder, seedSearchOrder } from '../provisioning/seed-discovery';
import { createStateStore, type StateStore } from '../provisioning/state-store';
import { waitForSeed } from '../provisioning/zero-touch';
import type { ApplyStagedUpdate } from '../update-helper/version-watcher';
import { openCoreCache } from './cache';
import {
  createDeviceService,
  type DeviceService,
  type DeviceSession,
  type SecretStorageNote,
  sessionOf,
} from './device-service';
import { followEventFiles } from './event-files';
import { pageFacingCache } from '../cache/page-cache';
import { bootstrapFileSource } from './file-source';
import { createFleetWiring, type UpdateService } from './fleet';
import { createIdentityStream, identifiedOf, type IdentityStream, type IdentityView } from './identity';
import { createCoreLaunchService } from './launch';
import { createRoomTelemetry } from './room';
import { preferredShareRoot } from '../provisioning/share-root';
import { openPresentationLog } from '../update-helper/presentation-log';
import { createScreenshotWriter } from '../update-helper/screenshot-writer';
import { createSeedSource } from './seed-source';
import { createSyncPolicyWiring } from './sync-policy';

/**
 * `run`: the app or the agent: bootstrap keeps the last good record and the JWT, the cache syncs,
 * the share is watched (zero-touch, updates, status file).
 * `diagnostic`: doctor, prefetch and cache: one bootstrap that may read the app's last good record
 * but never writes it, keeps the JWT in memory only, waits for no share, opens no cache and writes no status file.
 */
export type CoreMode = 'run' | 'diagnostic';

interface CommonDeps {
  platform: Platform;
  /** Every folder the core uses (state, cache, temp, logs, share candidates, seed locations). */
  paths: PlatformPaths;
  env: Record<string, string | undefined>;
  /** Shown as `~` in messages; discovery's home. */
  home?: string;
  cwd?: string;
  /** A packaged build never reads ~/seed.json and, without a seed, waits for one in the share. */
  packaged: boolean;
  logger: Logger;
  defaultApiUrl: string;
  /** `--seed PATH`. */
  seedArg?: string;
  /** Overrides the machine name used for the share's file names (normalised like the real one). */
  hostname?: string;
  /** CPU architecture for choosing this laptop's build in a per-platform version.json (`currentArch()` when left out). */
  arch?: string;
  /** Short external commands (scutil, killall); `execFileRunner()` when left out. */
  run?: CommandRunner;
  clock?: Clock;
  api?: ApiTimeouts;
  retry?: Partial<RetryPolicy>;
  /** Every seed's API key, so the logger can mask it. */
  onApiKey?: (key: string) => void;
}

export interface DiagnosticCoreDeps extends CommonDeps {
  mode: 'diagnostic';
}

/** How this process takes updates from the share. */
export type UpdatePolicy =
  | { kind: 'install'; exePath: string; applyStagedUpdate: ApplyStagedUpdate }
  /** Watch and report offered versions, never stage them (the headless agent). */
  | { kind: 'watch-only'; reason: string };

export interface RunCoreDeps extends CommonDeps {
  mode: 'run';
  appVersion: string;
  secretStore: SecretStore;
  secretStorage: SecretStorageNote;
  /** A small PNG of the kiosk window for the status file's screenshot (the edge's capturePage); none without it. */
  captureScreen?: () => Promise<Buffer | null>;
  /** Opens a launched file with its default app (Electron: shell.openPath; headless: `headlessOpener`). */
  opener: Opener;
  updates: UpdatePolicy;
  /** Starts the embedded simulator and returns its demo seed; null where the edge has none. */
  startDemo: (() => Promise<unknown>) | null;
  demo: boolean;
  /** Long external commands (unpacking an update); `execFileRunner({ timeoutMs: 10 min })` when left out. */
  runUpdates?: CommandRunner;
}

export type AetherCoreDeps = DiagnosticCoreDeps | RunCoreDeps;

/** What every core has: one bootstrap and the identity stream over it. */
export interface DiagnosticCore {
  identity: IdentityStream;
  /** Bootstrap's state machine (the splash and the status file show its state). */
  state(): BootstrapState;
  subscribeState(listener: (state: BootstrapState) => void): () => void;
  /** One attempt, no retries (doctor, prefetch): resolves with the identity or why there is none. */
  runOnce(): Promise<IdentityView>;
  /** The JWT for the page, renewed near expiry; null before bootstrap has a seed. */
  session(): Promise<DeviceSession | null>;
  /** The API client of the current seed (throws BootstrapNotReadyError before one). */
  api(): ApiClient;
  /** File bytes with the device's JWT: the one source for every cache. */
  fileSource: FileSource;
  close(): Promise<void>;
}

/** The services the router serves, built by the core (permissions and the sender policy come from the edge). */
export interface CoreServices {
  device: DeviceService;
  cache: CacheService;
  launch: LaunchService;
  update: UpdateService;
}

export interface AetherCore extends DiagnosticCore {
  services: CoreServices;
  /** Where the cache is, and where launch copies go by default. */
  folders: { cache: string; temp: string; logs: string };
  /** Starts the share side (zero-touch, version watcher, status file) and runs bootstrap to its first identity (retrying failures). */
  start(): Promise<IdentityView>;
}

/** The last good record is read, never written: a diagnostic run must not change how the app starts. */
function readOnly(store: StateStore): StateStore {
  return { file: store.file, load: () => store.load(), save: async () => undefined };
}

/**
 * The application core (DESIGN §3): seed discovery, bootstrap, the cache and its sync loop, launch,
 * zero-touch, the version watcher and the status reporter, built from injected dependencies under
 * plain Node. The desktop edge, the CLI and the agent build their core here and nowhere else.
 */
export function createAetherCore(deps: DiagnosticCoreDeps): Promise<DiagnosticCore>;
export function createAetherCore(deps: RunCoreDeps): Promise<AetherCore>;
export async function createAetherCore(deps: AetherCoreDeps): Promise<DiagnosticCore | AetherCore> {
  const { logger, paths } = deps;
  const diagnostic = deps.mode === 'diagnostic';
  const run = deps.run ?? execFileRunner();
  const discovery: SeedDiscoveryInput = {
    ...(deps.seedArg ? { seedArg: deps.seedArg } : {}),
    env: deps.env,
    packaged: deps.packaged,
    paths,
    ...(deps.home ? { home: deps.home } : {}),
    ...(deps.cwd ? { cwd: deps.cwd } : {}),
  };
  const seeds = createSeedSource({
    demo: deps.mode === 'run' && deps.demo,
    packaged: deps.packaged,
    discover: seedFinder(discovery, { logger, defaultApiUrl: deps.defaultApiUrl }),
    startDemo: deps.mode === 'run' ? deps.startDemo : null,
    stateDir: paths.stateDir,
    defaultApiUrl: deps.defaultApiUrl,
    logger,
    onApiKey: deps.onApiKey ?? (() => undefined),
  });
  let hostnameOnce: Promise<string> | null = null;
  const hostname = () =>
    (hostnameOnce ??= deps.hostname
      ? Promise.resolve(normaliseHostname(deps.hostname))
      : localHostname({ platform: deps.platform, run, logger }));
  const fullStore = createStateStore({ stateDir: paths.stateDir, logger });
  const stateStore = diagnostic ? readOnly(fullStore) : fullStore;
  const bootstrap = createBootstrap({
    findSeed: () => seeds.find(),
    searchOrder: seedSearchOrder(discovery),
    // Zero-touch provisioning (DESIGN §8): only a run without any local seed (and no demo) gets here.
    ...(diagnostic
      ? {}
      : {
          waitForSeed: async (report, signal) =>
            waitForSeed({
              shareCandidates: paths.shareCandidates,
              hostname: await hostname(),
              seedConfigPath: paths.seedConfigPath,
              defaultApiUrl: deps.defaultApiUrl,
              logger,
              signal,
              ...(deps.home ? { home: deps.home } : {}),
              onState: (state) => {
                if (state.kind === 'waiting') report({ folder: state.folder, file: state.file }, state.failure);
              },
            }),
        }),
    stateStore,
    secretStore: deps.mode === 'run' ? deps.secretStore : new MemorySecretStore(),
    logger,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.api ? { api: deps.api } : {}),
    ...(deps.retry ? { retry: deps.retry } : {}),
    ...(deps.home ? { home: deps.home } : {}),
  });
  const identity = createIdentityStream(
    bootstrap,
    () => ({ seedMissing: seeds.missing(), searched: seedSearchOrder(discovery) }),
    (err) => logger.error({ err }, 'an identity listener threw'),
  );
  const session = () => sessionOf(bootstrap);
  const fileSource = bootstrapFileSource(bootstrap);
  const common: DiagnosticCore = {
    identity,
    state: () => bootstrap.state(),
    subscribeState: (listener) => bootstrap.subscribe(listener),
    runOnce: async () => {
      await bootstrap.runOnce();
      return identity.current();
    },
    session,
    api: () => bootstrap.api(),
    fileSource,
    close: async () => {
      identity.close();
      await bootstrap.stop();
    },
  };
  if (deps.mode === 'diagnostic') return common;

  const closers: Array<{ name: string; close: () => unknown }> = [];
  const coreCache = await openCoreCache({
    defaultRoot: paths.cacheRoot,
    lastDevice: (await fullStore.load())?.device ?? null,
    identity,
    source: fileSource,
    logger,
  });
  const files = followEventFiles({
    identity,
    listEventFiles: (eventId) => bootstrap.api().listEventFiles(eventId),
    stateDir: paths.stateDir,
    cache: coreCache.cache,
    logger,
  });
  const eventFiles = () => files.list.current();
  const refreshEventFiles = () => files.list.refresh();
  const [shareRoot, host] = await Promise.all([preferredShareRoot(paths.shareCandidates), hostname()]);
  const presentations = await openPresentationLog({
    journalPath: path.join(paths.stateDir, 'presentations.jsonl'),
    shareRoot,
    hostname: host,
    logger,
  });
  const currentDevice = () => identifiedOf(identity.current())?.device ?? null;
  const room = createRoomTelemetry({
    platform: deps.platform,
    run,
    bootstrap: () => bootstrap.state(),
    eventFiles,
    isPresent: (sha256) => coreCache.cache.store.has(sha256),
    cache: () => coreCache.summary(),
    syncing: () => coreCache.cache.loop.state.state === 'syncing',
    disk: () => coreCache.cache.disk(),
    screenshotMinutes: () => currentDevice()?.screenshot_minutes ?? null,
    presentations,
    screenshots: deps.captureScreen
      ? createScreenshotWriter({ shareRoot, hostname: host, capture: deps.captureScreen, logger })
      : null,
    logger: logger.child({ module: 'room' }),
    onChange: () => {
      syncPolicy.apply();
      fleet.refresh();
    },
  });
  // While a presentation the app launched runs, background sync follows `sync_while_presenting` (issue 12).
  const syncPolicy = createSyncPolicyWiring({
    cache: coreCache.cache,
    presenting: () => room.isPresenting(),
    device: currentDevice,
  });
  syncPolicy.apply();
  const onOpened = (file: { filename: string; sha256: string; event_file_id: string }) =>
    room.opened({
      filename: file.filename,
      sha256: file.sha256,
      event_file_id: file.event_file_id,
      event_device_id: currentDevice()?.event_device_id ?? null,
    });
  const launch = createCoreLaunchService({
    platform: deps.platform,
    cache: coreCache.cache,
    identity,
    defaultTempRoot: paths.tempRoot,
    opener: deps.opener,
    run,
    eventFiles,
    refreshEventFiles,
    onOpened,
    logger,
  });
  // The page sees the cache through the API's list: it may ask, never decide what is kept (issue 10).
  const pageCache = pageFacingCache({
    cache: coreCache.cache,
    eventFiles,
    refreshEventFiles,
    openHashes: () => launch.openHashes(),
    // One readiness tracker (the room's): the bridge, the status file and the splash agree on at_risk_since.
    sessions: () => room.sessions(),
  });
  const device = createDeviceService({
    bootstrap,
    identity,
    session,
    paths: { cache: coreCache.root, temp: paths.tempRoot, logs: paths.logDir },
    appVersion: deps.appVersion,
    secretStorage: deps.secretStorage,
  });
  const updates = deps.updates;
  const fleet = createFleetWiring({
    platform: deps.platform,
    arch: deps.arch ?? currentArch(),
    paths,
    packaged: deps.packaged && updates.kind === 'install',
    appVersion: deps.appVersion,
    exePath: updates.kind === 'install' ? updates.exePath : '',
    env: deps.env,
    logger,
    run: deps.runUpdates ?? execFileRunner({ timeoutMs: 10 * 60_000 }),
    hostname,
    bootstrap,
    applyStagedUpdate: updates.kind === 'install' ? updates.applyStagedUpdate : async () => undefined,
    cacheSummary: () => coreCache.summary(),
    room,
    ...(updates.kind === 'watch-only' ? { watchOnly: updates.reason } : {}),
  });
  // Closed in reverse: the status file is flushed while the cache can still summarise, bootstrap stops last.
  closers.push({ name: 'bootstrap', close: () => common.close() });
  closers.push({ name: 'cache', close: () => coreCache.close() });
  closers.push({ name: 'event files', close: () => files.close() });
  closers.push({ name: 'room', close: () => room.close() });
  closers.push({ name: 'fleet', close: () => fleet.close() });
  closers.push({ name: 'sync policy', close: identity.subscribe(() => syncPolicy.apply()) });
  closers.push({
    name: 'cache progress',
    close: coreCache.cache.subscribe((event) => event.type === 'total' && fleet.refresh()),
  });
  let started: Promise<IdentityView> | null = null;

  return {
    ...common,
    services: { device, cache: pageCache, launch, update: fleet.update },
    folders: { cache: coreCache.root, temp: paths.tempRoot, logs: paths.logDir },
    start() {
      started ??= (async () => {
        fleet.start().catch((err: unknown) => logger.error({ err }, 'fleet: share watching could not start'));
        await bootstrap.run();
        return identity.current();
      })();
      return started;
    },
    async close() {
      for (const { name, close } of closers.splice(0).reverse()) {
        try {
          await close();
        } catch (err) {
          logger.error({ err, part: name }, 'a part of the core did not close cleanly');
        }
      }
    },
  };
}
