import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../command';

/** `--share DIR`, else `AETHER_SHARE`: ops commands never guess which share they write to. */
export function requireShare(share: string | undefined, env: Record<string, string | undefined>): string {
  const chosen = share ?? env.AETHER_SHARE;
  if (!chosen) throw new UsageError('--share DIR is required (or set AETHER_SHARE).');
  return chosen;
}

type Options = NonNullable<ParseArgsConfig['options']>;
const SHARE_WRITE_OPTIONS = { share: { type: 'string' }, force: { type: 'boolean', default: false } } as const;

/**
 * What the commands that write into the share (provision, release) have in common: `--share DIR`,
 * `--force`, their own options, and no positional arguments.
 */
export function parseShareWriteArgs<O extends Options>(args: string[], options: O) {
  const { values, positionals } = parseCommandArgs({ args, allowPositionals: true, options: { ...SHARE_WRITE_OPTIONS, ...options } });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  return values;
}

/** `parseArgs` with its errors (unknown option, missing value) turned into usage errors. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}
