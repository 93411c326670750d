import { Writable } from 'node:stream';
import type { CliIo } from '../apps/cli/command';

/** A CliIo that keeps what a command prints, for assertions. */
export function captureIo(
  env: Record<string, string | undefined> = {},
): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) }),
    stderr: new Writable({ write: (c, _e, cb) => ((err += String(c)), cb()) }),
    env,
    out: () => out,
    err: () => err,
  };
}
