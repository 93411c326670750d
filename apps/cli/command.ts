/** What every CLI command receives: its own arguments and where to write, so tests can capture output. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

/** What `--help` shows for a command line, and the name errors are labelled with (`cache status`). */
export interface HelpTopic {
  label: string;
  usage: string;
}

export interface Command {
  /** The help for these arguments: a subcommand's own usage when the arguments name one. */
  help(args: readonly string[]): HelpTopic;
  run(args: string[], io: CliIo): Promise<number>;
}

/**
 * Exit codes, the same for every command (documented in `--help` and apps/cli/README.md):
 * 0 done / ready, 1 failed or not ready, 2 the command line itself is wrong.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A user error in the command line: printed as one line with the usage, exit code 2, never a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A refusal or failure the person can act on: one line, exit code 1, never a stack trace. */
export class CommandError extends Error {
  override name = 'CommandError';
}

/** A command with no subcommands: the same help whatever the arguments. */
export function singleTopic(label: string, usage: string): Command['help'] {
  return () => ({ label, usage });
}
