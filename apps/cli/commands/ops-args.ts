import os from 'node:os';
import type { ParseArgsConfig } from 'node:util';
import { currentPlatform, platformPaths, type PlatformPaths } from '../../../base/platform';
import { resolveShare, type ShareCandidate, ShareNotFoundError } from '../../../provisioning/share-root';
import { type CliIo, CommandError, UsageError } from '../command';
import { parseCommandArgs } from '../parse-options';

export { parseCommandArgs };

/** The home folder as the command sees it (`HOME` of its environment, so tests can give a fresh one). */
export function homeOf(io: CliIo): string {
  return io.env.HOME || os.homedir();
}

/** The app's per-OS folders, computed as the app computes them. */
export function cliPaths(io: CliIo): PlatformPaths {
  return platformPaths({ platform: currentPlatform(), home: homeOf(io), env: io.env });
}

/**
 * The share, found the one documented way (provisioning/share-root.ts `resolveShare`): `--share`,
 * else `AETHER_SHARE`, else `~/admin_share`, else `~/Sync/admin_share`. A share that is not there is
 * an error (exit 1), never created.
 */
export async function shareFor(
  io: CliIo,
  option: string | undefined,
  purpose: 'read' | 'write',
): Promise<ShareCandidate> {
  try {
    return await resolveShare({ option, paths: cliPaths(io), env: io.env, purpose });
  } catch (err) {
    if (err instanceof ShareNotFoundError) throw new CommandError(err.message);
    throw err;
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;
const SHARE_WRITE_OPTIONS = {
  share: { type: 'string' },
  force: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

/**
 * What the commands that write into the share (provision, release) have in common: `--share DIR`,
 * `--force`, `--json`, their own options, and no positional arguments.
 */
export function parseShareWriteArgs<O extends Options>(args: string[], options: O) {
  const { values } = parseCommandArgs({
    args,
    allowPositionals: false,
    options: { ...SHARE_WRITE_OPTIONS, ...options },
  });
  return values;
}

/** Where usage errors say what is missing. */
export function required<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new UsageError(message);
  return value;
}
