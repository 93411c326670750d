import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../command';

/** `--share DIR`, else `AETHER_SHARE`: ops commands never guess which share they write to. */
export function requireShare(share: string | undefined, env: Record<string, string | undefined>): string {
  const chosen = share ?? env.AETHER_SHARE;
  if (!chosen) throw new UsageError('--share DIR is required (or set AETHER_SHARE).');
  return chosen;
}

/** `parseArgs` with its errors (unknown option, missing value) turned into usage errors. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}
