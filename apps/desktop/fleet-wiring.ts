import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Logger } from '../../base/logger';
import type { Platform, PlatformPaths } from '../../base/platform';
import type { BootstrapState } from '../../provisioning/bootstrap-state';
import { preferredShareRoot } from '../../provisioning/share-root';
import type { UpdateService } from '../../router/update';
import { applyStagedUpdate } from '../../update-helper/apply-update';
import type { CommandRunner } from '../../base/command-runner';
import { installPathFor } from '../../update-helper/install-location';
import { stageBuild } from '../../update-helper/staging';
import { createStatusReporter, statusFields, type StatusFields, type StatusReporter } from '../../update-helper/status-reporter';
import type { UpdateStatus } from '../../update-helper/update-state';
import { buildTargetFor } from '../../contracts/version';
import { createVersionWatcher, UpdateNotReadyError, type ApplyStagedUpdate, type VersionWatcher } from '../../update-helper/version-watcher';

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
}

export interface FleetWiring {
  /** For `buildServices({ groups: { update } })`; answers before `start()` too. */
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
  const idle = (note: string): UpdateStatus => ({ appVersion: deps.appVersion, state: { kind: 'idle', note } });
  let fallback = idle('not watching the share yet');

  const report = () => {
    const bootstrap = deps.bootstrap.state();
    if (bootstrap.kind === 'ready' || bootstrap.kind === 'offline-ready') deviceId = bootstrap.identity.device.event_device_id;
    const update = (watcher?.status() ?? fallback).state;
    reporter?.report(statusFields({ eventDeviceId: deviceId, appVersion: deps.appVersion, bootstrap, update, cache: deps.cacheSummary?.() ?? NO_CACHE, staged: update.kind === 'staged' ? update.version : null }));
  };

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
      if (!watcher) throw new UpdateNotReadyError(`No update is staged (${fallback.state.kind === 'idle' ? fallback.state.note : 'not watching'}).`);
      await watcher.apply();
    },
  };

  return {
    update,
    async start() {
      const [shareRoot, hostname] = await Promise.all([preferredShareRoot(deps.paths.shareCandidates), deps.hostname()]);
      reporter = createStatusReporter({ shareRoot, hostname, logger: deps.logger });
      stops.push(deps.bootstrap.subscribe(report));
      const installPath = installPathFor(deps.platform, deps.exePath, deps.env);
      if (!deps.packaged || !installPath) {
        fallback = idle(deps.packaged ? 'this platform updates through its installer' : 'updates are off in development builds');
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
        stage: (build, signal) => stageBuild({ platform: deps.platform, installPath, appVersion: deps.appVersion, run: deps.run, logger: deps.logger }, build, signal),
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
      for (const stop of stops.splice(0)) stop();
      await watcher?.close();
      await reporter?.flush();
      await reporter?.close();
    },
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
