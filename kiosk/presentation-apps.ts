import type { Logger } from 'pino';
import { z } from 'zod';
import { CommandFailedError, type CommandRunner } from '../base/command-runner';
import type { Platform } from '../base/platform';

/**
 * Closing presentation apps (DESIGN §7): the page names an app from a fixed enum; each platform maps
 * it to one fixed command, run without a shell. Nothing from the page reaches an argument list.
 */

export const PresentationApp = z.enum(['powerpoint', 'keynote', 'libreoffice']);
export type PresentationApp = z.infer<typeof PresentationApp>;

// The runner's error lives with the one runner (base/command-runner.ts); the launch router maps it from here.
export { CommandFailedError };

interface CloseCommand {
  file: string;
  args: readonly string[];
  /** Exit codes that mean "no such process": nothing to close, not a failure. */
  notRunning: readonly number[];
}

const killall = (name: string): CloseCommand => ({ file: 'killall', args: ['-INT', name], notRunning: [1] });
const taskkill = (image: string): CloseCommand => ({ file: 'taskkill', args: ['/IM', image], notRunning: [128] });
/**
 * `pkill -f` matches whole command lines, so a bare "soffice" would also hit `vim soffice.txt`;
 * this anchors on the program name (soffice, soffice.bin, or the libreoffice launcher).
 */
export const LIBREOFFICE_PATTERN = '(^|/)(soffice|libreoffice)(\\.bin)?( |$)';

export const CLOSE_COMMANDS: Readonly<Record<Platform, Partial<Record<PresentationApp, CloseCommand>>>> = {
  darwin: { powerpoint: killall('Microsoft PowerPoint'), keynote: killall('Keynote'), libreoffice: killall('soffice') },
  linux: { libreoffice: { file: 'pkill', args: ['-INT', '-f', LIBREOFFICE_PATTERN], notRunning: [1] } },
  win32: { powerpoint: taskkill('POWERPNT.EXE'), libreoffice: taskkill('soffice.bin') },
};

export type CloseOutcome = 'closed' | 'not-running' | 'unsupported';

export interface CloseResult {
  app: PresentationApp;
  outcome: CloseOutcome;
}

export interface PresentationControlDeps {
  platform: Platform;
  run: CommandRunner;
  logger?: Logger;
}

export async function closePresentationApp(deps: PresentationControlDeps, app: PresentationApp): Promise<CloseResult> {
  const command = CLOSE_COMMANDS[deps.platform][PresentationApp.parse(app)];
  if (!command) {
    deps.logger?.info({ app, platform: deps.platform }, 'close presentations: app does not exist on this platform');
    return { app, outcome: 'unsupported' };
  }
  const result = await deps.run(command.file, command.args);
  if (result.exitCode === 0) {
    deps.logger?.info({ app }, 'presentation app asked to close');
    return { app, outcome: 'closed' };
  }
  if (command.notRunning.includes(result.exitCode)) return { app, outcome: 'not-running' };
  throw new CommandFailedError(
    `Could not close ${app}: ${command.file} exited with ${result.exitCode}${firstLine(result.stderr)}`,
  );
}

/** The real runner: node's execFile (no shell), bounded in time and output. */
export function firstLine(text: string): string {
  const line = text.trim().split('\n', 1)[0]?.slice(0, 200);
  return line ? `: ${line}` : '';
}
