import { spawn } from 'node:child_process';
import path from 'node:path';
import type { CommandRunner } from '../base/command-runner';
import type { Logger } from '../base/logger';
import type { Platform, PlatformPaths } from '../base/platform';
import type { BootstrapState } from '../provisioning/bootstrap-state';
import { preferredShareRoot } from '../provisioning/share-root';
import { applyStagedUpdate } from '../update-helper/apply-update';
import { installPathFor } from '../update-helper/install-location';
import { stageBuild, StagingError } from '../update-helper/staging';
import {
  createStatusReporter,
  statusFields,
  type StatusFields,
  type StatusReporter,
} from '../update-helper/status-reporter';
import type { UpdateStatus } from '../update-helper/update-state';
import { buildTargetFor } from '../contracts/version';
import {
  createVersionWatcher,
  UpdateNotReadyError,
  type ApplyStagedUpdate,
  type StageBuild,
  type VersionWatcher,
} from '../update-helper/version-watcher';
import { identityOf } from './identity';
import type { RoomTelemetry } from './room';

/** The `update` group's service contract (router/update.ts serves it): the version watcher's public face. */
export type UpdateService = Pick<VersionWatcher, 'status' | 'subscribe' | 'checkNow' | 'apply'>;

export interface FleetWiringDeps {
  platform: Platform;
  /** CPU architecture (`currentArch()`): with the platform, picks this laptop's build in version.json. */
  arch: string;
  paths: Pick<PlatformPaths, 'shareCandidates'>;
  packaged: boolean;
  appVersion: string;
  exePath: string;
  env: Record<string, string | undefined>;
  logger: Logger;
  run: CommandRunner;
  /** Normalised hostname, computed once (`localHostname`). */
  hostname: () => Promise<string>;
  bootstrap: { state(): BootstrapState; subscribe(listener: (state: BootstrapState) => void): () => void };
  applyStagedUpdate: ApplyStagedUpdate;
  cacheSummary?: () => StatusFields['cache'];
  /** Room telemetry for the status file, and why a staged update must wait (core/room.ts). */
  room?: Pick<RoomTelemetry, 'fields' | 'waitingFor'>;
  /**
   * Where this process cannot install builds (the headless agent, a development build): watch the
   * share anyway and show offered versions, and refuse to stage them with this reason. Without it,
   * such a process does not watch at all.
   */
  watchOnly?: string;
}

export interface FleetWiring {
  /** The `update` group's service; answers before `start()` too. */
  update: UpdateService;
  /** Starts the version watcher (packaged builds only) and the status file. */
  start(): Promise<void>;
  /** Re-reads the parts the status file shows (e.g. after the cache changed); writes are coalesced. */
  refresh(): void;
  close(): Promise<void>;
}

const NO_CACHE: StatusFields['cache'] = { files: 0, bytes: 0, missing: 0 };

/** Builds the share-side parts of the app: version watcher + staging, and the fleet status file. */
export function createFleetWiring(deps: FleetWiringDeps): FleetWiring {
  const listeners = new Set<(status: UpdateStatus) => void>();
  let watcher: VersionWatcher | null = null;
  let reporter: StatusReporter | null = null;
  let deviceId: string | null = null;
  const stops: Array<() => void> = [];
  let closed = false;
  const idle = (note: string): UpdateStatus => ({ appVersion: deps.appVersion, state: { kind: 'idle', note } });
  let fallback = idle('not watching the share yet');

  const report = () => {
    const bootstrap = deps.bootstrap.state();
    deviceId = identityOf(bootstrap)?.device.event_device_id ?? deviceId;
    const update = (watcher?.status() ?? fallback).state;
    const fields = statusFields({
      eventDeviceId: deviceId,
      appVersion: deps.appVersion,
      bootstrap,
      update,
      cache: deps.cacheSummary?.() ?? NO_CACHE,
      staged: update.kind === 'staged' ? update.version : null,
    });
    const waitingFor = update.kind === 'staged' ? (deps.room?.waitingFor() ?? null) : null;
    reporter?.report(
      deps.room ? { ...fields, ...deps.room.fields(), update: { ...fields.update, waiting_for: waitingFor } } : fields,
    );
    // An apply asked for during a presentation or a session window happens at the next quiet moment.
    if (applyWhenQuiet && update.kind === 'staged' && waitingFor === null && watcher) {
      applyWhenQuiet = false;
      deps.logger.info({ version: update.version }, 'a quiet moment: applying the update asked for earlier');
      watcher.apply().catch((err: unknown) => deps.logger.error({ err }, 'the deferred update could not be applied'));
    }
  };
  let applyWhenQuiet = false;

  const update: UpdateService = {
    status: () => watcher?.status() ?? fallback,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    checkNow: async () => watcher?.checkNow(),
    apply: async () => {
      if (!watcher)
        throw new UpdateNotReadyError(
          `No update is staged (${fallback.state.kind === 'idle' ? fallback.state.note : 'not watching'}).`,
        );
      // Never in the middle of a talk: the update waits for the presentation or the session to end.
      const waitingFor = watcher.status().state.kind === 'staged' ? (deps.room?.waitingFor() ?? null) : null;
      if (waitingFor) {
        applyWhenQuiet = true;
        report();
        throw new UpdateNotReadyError(`The update is applied once it is quiet: waiting for ${waitingFor}.`);
      }
      await watcher.apply();
    },
  };

  return {
    update,
    async start() {
      const [shareRoot, hostname] = await Promise.all([
        preferredShareRoot(deps.paths.shareCandidates),
        deps.hostname(),
      ]);
      // A stop during the awaits above (SIGTERM at once): build nothing that close() would miss.
      if (closed) return;
      reporter = createStatusReporter({ shareRoot, hostname, logger: deps.logger });
      stops.push(deps.bootstrap.subscribe(report));
      const installPath = installPathFor(deps.platform, deps.exePath, deps.env);
      const installable = deps.packaged && installPath !== null;
      if (!installable && !deps.watchOnly) {
        fallback = idle(
          deps.packaged ? 'this platform updates through its installer' : 'updates are off in development builds',
        );
        deps.logger.info({ reason: fallback.state }, 'version watcher not started');
        report();
        return;
      }
      watcher = createVersionWatcher({
        shareRoot,
        appVersion: deps.appVersion,
        hostname,
        target: buildTargetFor(deps.platform, deps.arch),
        logger: deps.logger,
        stage: installable
          ? (build, signal) =>
              stageBuild(
                {
                  platform: deps.platform,
                  installPath,
                  appVersion: deps.appVersion,
                  run: deps.run,
                  logger: deps.logger,
                },
                build,
                signal,
              )
          : refuseToStage(deps.watchOnly ?? ''),
        applyStagedUpdate: async (manifest) => {
          await reporter?.flush();
          return deps.applyStagedUpdate(manifest);
        },
      });
      stops.push(
        watcher.subscribe((status) => {
          for (const listener of listeners) listener(status);
          report();
        }),
      );
      await watcher.start();
      report();
    },
    refresh: report,
    async close() {
      closed = true;
      for (const stop of stops.splice(0)) stop();
      await watcher?.close();
      await reporter?.flush();
      await reporter?.close();
    },
  };
}

function refuseToStage(reason: string): StageBuild {
  return async ({ release }) => {
    throw new StagingError(`${release.version} is offered in the share, but ${reason}`);
  };
}

export interface SwapHandOverDeps {
  platform: Platform;
  stateDir: string;
  /** `process.resourcesPath`: update_helper.sh is packaged there. */
  resourcesPath: string;
  exePath: string;
  quit: () => void;
  logger: Logger;
}

/** `update.apply`'s hand-over: the swap helper (update-helper/apply-update.ts) with the app's paths bound. */
export function swapHandOver(deps: SwapHandOverDeps): ApplyStagedUpdate {
  return (manifest) =>
    applyStagedUpdate(manifest, {
      platform: deps.platform,
      helperScript: path.join(deps.resourcesPath, 'update_helper.sh'),
      stateDir: deps.stateDir,
      executableName: path.basename(deps.exePath),
      spawn,
      quit: deps.quit,
      logger: deps.logger,
    });
}
