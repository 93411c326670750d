import { Writable } from 'node:stream';
import type { CliIo } from '../apps/cli/command';

/** A CliIo that keeps what a command prints, for assertions; `tty` makes stdout look like a terminal. */
export function captureIo(
  env: Record<string, string | undefined> = {},
  { tty = false } = {},
): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stdout: Writable & { isTTY?: boolean } = new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) });
  if (tty) stdout.isTTY = true;
  return {
    stdout,
    stderr: new Writable({ write: (c, _e, cb) => ((err += String(c)), cb()) }),
    env,
    out: () => out,
    err: () => err,
  };
}
