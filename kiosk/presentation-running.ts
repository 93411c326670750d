import type { CommandRunner } from '../base/command-runner';
import type { Platform } from '../base/platform';
import { LIBREOFFICE_PATTERN } from './presentation-apps';

/**
 * Whether a presentation app of the fixed table (presentation-apps.ts) is running: the room telemetry's
 * `on_screen.app_running` and "presenting". Fixed programs and arguments, run without a shell.
 */
interface RunningCheck {
  file: string;
  args: readonly string[];
  running: (result: { exitCode: number; stdout: string }) => boolean;
}

const pgrepExact = (name: string): RunningCheck => ({
  file: 'pgrep',
  args: ['-x', name],
  running: (r) => r.exitCode === 0,
});
const tasklist = (image: string): RunningCheck => ({
  file: 'tasklist',
  args: ['/FI', `IMAGENAME eq ${image}`, '/NH'],
  running: (r) => r.exitCode === 0 && r.stdout.toUpperCase().includes(image.toUpperCase()),
});

export const RUNNING_CHECKS: Readonly<Record<Platform, readonly RunningCheck[]>> = {
  darwin: [pgrepExact('Microsoft PowerPoint'), pgrepExact('Keynote'), pgrepExact('soffice')],
  linux: [{ file: 'pgrep', args: ['-f', LIBREOFFICE_PATTERN], running: (r) => r.exitCode === 0 }],
  win32: [tasklist('POWERPNT.EXE'), tasklist('soffice.bin')],
};

/** True when any presentation app runs; a check that cannot run counts as "not running". */
export async function presentationAppRunning(platform: Platform, run: CommandRunner): Promise<boolean> {
  for (const check of RUNNING_CHECKS[platform]) {
    const result = await run(check.file, check.args).catch(() => null);
    if (result && check.running(result)) return true;
  }
  return false;
}
