import { execFile } from 'node:child_process';

/**
 * How the app runs external tools (ditto, codesign, tar, scutil, killall): a program and its
 * arguments, never a shell line, resolving with any exit code. One declaration for the kiosk, the
 * update helper and provisioning; the composition root passes `execFileRunner` (with a long timeout
 * for unpacking updates).
 */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export type CommandRunner = (file: string, args: readonly string[]) => Promise<CommandResult>;

/** A tool could not be run at all, or did not finish in time (a non-zero exit is a result, not this). */
export class CommandFailedError extends Error {
  override name = 'CommandFailedError';
}

/** The real runner: node's execFile (no shell), bounded in time and output. */
export function execFileRunner({ timeoutMs = 10_000 }: { timeoutMs?: number } = {}): CommandRunner {
  return (file, args) =>
    new Promise((resolve, reject) => {
      execFile(
        file,
        [...args],
        { shell: false, timeout: timeoutMs, windowsHide: true, maxBuffer: 1 << 20 },
        (error, stdout, stderr) => {
          if (!error) return resolve({ exitCode: 0, stdout, stderr });
          const code: unknown = error.code;
          if (typeof code === 'number') return resolve({ exitCode: code, stdout, stderr });
          if (error.killed) return reject(new CommandFailedError(`${file} did not finish within ${timeoutMs} ms.`));
          if (code === 'ENOENT') return reject(new CommandFailedError(`${file} is not available on this computer.`));
          reject(
            new CommandFailedError(`${file} could not be run: ${typeof code === 'string' ? code : error.message}`),
          );
        },
      );
    });
}
