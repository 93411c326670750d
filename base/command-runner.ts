/**
 * How update code runs external tools (ditto, codesign, xattr, tar): a program and its arguments,
 * never a shell line, resolving with any exit code. The same shape as kiosk's `CommandRunner`, so
 * the composition root passes one `execFileRunner` (with a long timeout: unpacking takes a while).
 */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export type CommandRunner = (file: string, args: readonly string[]) => Promise<CommandResult>;
