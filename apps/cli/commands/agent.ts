import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger, type Logger } from '../../../base/logger';
import { currentPlatform, platformPaths, type PlatformPaths } from '../../../base/platform';
import { type AetherCore, createAetherCore } from '../../../core/create-core';
import { headlessOpener } from '../../../core/launch';
import { describeNoIdentity } from '../../../core/identity';
import { defaultApiUrl } from '../../../provisioning/api-defaults';
import { MemorySecretStore } from '../../../provisioning/secret-store';
import { type CliIo, type Command, singleTopic } from '../command';
import { parseCommandArgs } from './ops-args';

const USAGE = `usage: aether-native agent [--seed PATH] [--share DIR] [--hostname H] [--cache-dir DIR] [--state-dir DIR]

Runs the application core as a laptop would, without a window: zero-touch provisioning (waits for
<share>/seeds/seed_<hostname>.json when no seed exists), bootstrap, the cache filled from the
device's event files and kept in sync, the version watcher (watch only: it reports offered builds,
it does not install them) and the fleet status file <share>/status/<hostname>.json.
Logs JSON lines (pino) to stdout. Stops cleanly on SIGINT/SIGTERM (status flushed, cache closed), exit 0.

  --seed PATH       the seed.json to use (else AETHER_SEED, the OS config path, then zero-touch)
  --share DIR       the Syncthing share (else AETHER_SHARE, ~/admin_share, ~/Sync/admin_share)
  --hostname H      the name used for the share's file names (default: this machine's)
  --cache-dir DIR   the cache root (default: the device's local_file_cache_path, else the OS cache folder)
  --state-dir DIR   where the last good record is kept (default: the OS state folder)`;

export interface AgentOptions {
  seed?: string;
  share?: string;
  hostname?: string;
  cacheDir?: string;
  stateDir?: string;
}

function parseOptions(args: string[]): AgentOptions {
  const { values } = parseCommandArgs({
    args,
    options: {
      seed: { type: 'string' },
      share: { type: 'string' },
      hostname: { type: 'string' },
      'cache-dir': { type: 'string' },
      'state-dir': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    ...(values.seed ? { seed: values.seed } : {}),
    ...(values.share ? { share: values.share } : {}),
    ...(values.hostname ? { hostname: values.hostname } : {}),
    ...(values['cache-dir'] ? { cacheDir: values['cache-dir'] } : {}),
    ...(values['state-dir'] ? { stateDir: values['state-dir'] } : {}),
  };
}

/** The agent's folders: the platform's, with the command line's choices over them. */
export function agentPaths(options: AgentOptions, base: PlatformPaths): PlatformPaths {
  return {
    ...base,
    ...(options.stateDir ? { stateDir: path.resolve(options.stateDir) } : {}),
    ...(options.cacheDir ? { cacheRoot: path.resolve(options.cacheDir) } : {}),
    ...(options.share ? { shareCandidates: [path.resolve(options.share)] } : {}),
  };
}

async function appVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

/** The agent's core: the same `createAetherCore` as the app, with headless parts in place of Electron's. */
export async function buildAgentCore(
  options: AgentOptions,
  io: CliIo,
  logger: Logger,
  secrets: string[],
): Promise<AetherCore> {
  const platform = currentPlatform();
  const home = io.env.HOME || os.homedir();
  return createAetherCore({
    mode: 'run',
    platform,
    paths: agentPaths(options, platformPaths({ platform, home, env: io.env })),
    env: io.env,
    home,
    // As a packaged laptop: no ~/seed.json, and without a seed it waits for one in the share.
    packaged: true,
    logger,
    defaultApiUrl: defaultApiUrl(io.env),
    ...(options.seed ? { seedArg: options.seed } : {}),
    ...(options.hostname ? { hostname: options.hostname } : {}),
    onApiKey: (key) => secrets.push(key),
    appVersion: await appVersion(),
    // No keychain without a desktop session: the JWT lives as long as the process, then the API key gets a new one.
    secretStore: new MemorySecretStore(),
    secretStorage: { encrypted: false, backend: 'memory', note: 'the headless agent keeps the session in memory only' },
    opener: headlessOpener,
    updates: { kind: 'watch-only', reason: 'the headless agent does not install builds' },
    startDemo: null,
    demo: false,
  });
}

/** Resolves at the first SIGINT or SIGTERM, with its name. */
function nextStopSignal(): { signal: Promise<NodeJS.Signals>; dispose(): void } {
  let dispose = () => undefined as void;
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    const on = (name: NodeJS.Signals) => resolve(name);
    process.once('SIGINT', on);
    process.once('SIGTERM', on);
    dispose = () => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    };
  });
  return { signal, dispose };
}

export async function runAgent(args: string[], io: CliIo): Promise<number> {
  const options = parseOptions(args);
  const secrets: string[] = [];
  const logger = createLogger({
    destination: io.stdout,
    secrets: () => secrets,
    level: io.env.AETHER_LOG_LEVEL ?? 'info',
  });
  const stop = nextStopSignal();
  try {
    const core = await buildAgentCore(options, io, logger, secrets);
    logger.info({ cache: core.folders.cache, hostname: options.hostname ?? null }, 'agent started');
    const stopLogging = logProgress(core, logger);
    core.start().catch((err: unknown) => logger.error({ err }, 'the core could not start'));
    const name = await stop.signal;
    logger.info({ signal: name }, 'agent stopping');
    stopLogging();
    await core.close();
    logger.info('agent stopped');
    return 0;
  } finally {
    // A second signal after this point ends the process the default way (a forced stop).
    stop.dispose();
    logger.flush();
  }
}

/** One line per identity change, and one when every event file is in the cache: what ops (and tests) wait for. */
function logProgress(core: AetherCore, logger: Logger): () => void {
  let complete = false;
  const stopCache = core.services.cache.subscribe((event) => {
    if (event.type !== 'total' || complete) return;
    const { files, present } = event.totals;
    if (files > 0 && present === files) {
      complete = true;
      logger.info(
        { files, bytes: event.totals.bytesPresent },
        'cache complete: every event file is present and verified',
      );
    }
  });
  const stopIdentity = core.identity.subscribe((view) => {
    if (view.kind === 'identified')
      logger.info(
        { event_device_id: view.device.event_device_id, online: view.online, target_url: view.targetUrl },
        'identity',
      );
    else logger.info({ why: view.why.code }, `no identity: ${describeNoIdentity(view.why)}`);
  });
  return () => {
    stopCache();
    stopIdentity();
  };
}

export const agentCommand: Command = {
  help: singleTopic('agent', USAGE),
  run: runAgent,
};
