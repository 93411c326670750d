import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Platform } from '../base/platform';
import type { Logger } from '../base/logger';
import { writeFileAtomic } from '../base/atomic-file';
import { StagedManifest } from '../contracts/staged-manifest';

export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export type UpdateApplyErrorCode = 'unsupported-platform' | 'invalid-manifest' | 'helper-missing' | 'spawn-failed';

export class UpdateApplyError extends Error {
  override readonly name = 'UpdateApplyError';
  constructor(
    readonly code: UpdateApplyErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Where the helper keeps its journal, log and the app's health marker: app state, outside any bundle. */
export interface SwapFiles {
  journal: string;
  log: string;
  healthMarker: string;
  /** The helper runs from a copy here, since the bundle it ships in is the one being replaced. */
  helperRunDir: string;
}

export function swapFilesIn(stateDir: string): SwapFiles {
  const dir = path.join(stateDir, 'update');
  return {
    journal: path.join(dir, 'swap.journal'),
    log: path.join(dir, 'swap.log'),
    healthMarker: path.join(dir, 'health.marker'),
    helperRunDir: path.join(dir, 'helper'),
  };
}

/** Next to the installed app so the backup rename stays on its volume; apart from staging so staging cleanup never touches it. */
export function backupPathFor(installPath: string): string {
  return path.join(path.dirname(installPath), '.aether-backup', path.basename(installPath));
}

export function launchCommandFor(
  platform: Platform,
  kind: StagedManifest['kind'],
  installPath: string,
  executableName: string,
): string[] {
  if (platform === 'win32') {
    throw new UpdateApplyError(
      'unsupported-platform',
      'Windows updates go through the NSIS installer, not update_helper.sh',
    );
  }
  if (kind === 'macos-app') return ['/usr/bin/open', '-n', installPath];
  if (kind === 'appimage') return [installPath];
  return [path.join(installPath, executableName)];
}

/** Copies the helper beside the journal under the name `update_helper.sh`, which the helper's own process check relies on. */
export async function copyHelperOutOfBundle(helperScript: string, helperRunDir: string): Promise<string> {
  let source: Buffer;
  try {
    source = await fs.readFile(helperScript);
  } catch (err) {
    throw new UpdateApplyError(
      'helper-missing',
      `cannot read the update helper at ${helperScript}: is it packaged in extraResources?`,
      { cause: err },
    );
  }
  const target = path.join(helperRunDir, 'update_helper.sh');
  await writeFileAtomic(target, source, 0o755);
  return target;
}

/** Starts the helper in its own process group with no pipes, so it outlives the app that started it. */
export async function spawnDetachedHelper(spawn: SpawnFn, script: string, args: readonly string[]): Promise<number> {
  const child = spawn('/bin/sh', [script, ...args], { detached: true, stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) =>
      reject(new UpdateApplyError('spawn-failed', `cannot start the update helper: ${err.message}`, { cause: err })),
    );
  });
  child.unref();
  if (child.pid === undefined) throw new UpdateApplyError('spawn-failed', 'the update helper started without a pid');
  return child.pid;
}

export interface SwapTimeouts {
  exitSeconds: number;
  healthSeconds: number;
  maxAttempts: number;
}

export const DEFAULT_SWAP_TIMEOUTS: SwapTimeouts = { exitSeconds: 30, healthSeconds: 90, maxAttempts: 3 };

export interface ApplyStagedUpdateDeps {
  platform: Platform;
  /** update_helper.sh as packaged (`process.resourcesPath/update_helper.sh`). */
  helperScript: string;
  stateDir: string;
  /** The executable inside an unpacked Linux directory build. */
  executableName: string;
  spawn: SpawnFn;
  /** Quits the app; the helper waits for every process of the installed bundle to exit. */
  quit: () => void;
  logger: Logger;
  timeouts?: SwapTimeouts;
}

export function helperSwapArgs(
  manifest: StagedManifest,
  deps: Pick<ApplyStagedUpdateDeps, 'platform' | 'stateDir' | 'executableName' | 'timeouts'>,
): string[] {
  const files = swapFilesIn(deps.stateDir);
  const t = deps.timeouts ?? DEFAULT_SWAP_TIMEOUTS;
  return [
    `--installed=${manifest.install_path}`,
    `--staged=${manifest.staged_path}`,
    `--backup=${backupPathFor(manifest.install_path)}`,
    `--journal=${files.journal}`,
    `--log=${files.log}`,
    `--health-marker=${files.healthMarker}`,
    `--expect-version=${manifest.version}`,
    `--exit-timeout=${t.exitSeconds}`,
    `--health-timeout=${t.healthSeconds}`,
    `--max-attempts=${t.maxAttempts}`,
    '--',
    ...launchCommandFor(deps.platform, manifest.kind, manifest.install_path, deps.executableName),
  ];
}

/** Hands the staged build to the helper and quits; from here on the helper owns the swap. */
export async function applyStagedUpdate(
  manifest: unknown,
  deps: ApplyStagedUpdateDeps,
): Promise<{ helperPid: number }> {
  const parsed = StagedManifest.safeParse(manifest);
  if (!parsed.success) {
    throw new UpdateApplyError(
      'invalid-manifest',
      `the staged manifest is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const args = helperSwapArgs(parsed.data, deps);
  const script = await copyHelperOutOfBundle(deps.helperScript, swapFilesIn(deps.stateDir).helperRunDir);
  const helperPid = await spawnDetachedHelper(deps.spawn, script, args);
  deps.logger.info(
    { helperPid, version: parsed.data.version, from: parsed.data.from_version },
    'update helper started; quitting so it can swap the bundle',
  );
  deps.quit();
  return { helperPid };
}
