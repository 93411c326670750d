import type { Logger } from 'pino';
import { z } from 'zod';
import type { Platform } from '../base/platform';
import { CommandFailedError, type CommandRunner } from '../base/command-runner';
import { firstLine } from './presentation-apps';

/**
 * Presentation automation (DESIGN §7): on macOS a fixed AppleScript per action, run by `osascript -e`;
 * the page only picks the action. Elsewhere there is no AppleScript, so the request is logged and
 * answered with the reason.
 */

export const AutomationAction = z.enum(['powerpoint.startSlideshow', 'keynote.startSlideshow']);
export type AutomationAction = z.infer<typeof AutomationAction>;

export const APPLESCRIPTS: Readonly<Record<AutomationAction, string>> = {
  'powerpoint.startSlideshow': [
    'tell application "Microsoft PowerPoint"',
    '  if (count of presentations) > 0 then run slide show slide show settings of active presentation',
    'end tell',
  ].join('\n'),
  'keynote.startSlideshow': [
    'tell application "Keynote"',
    '  if (count of documents) > 0 then start front document from first slide of front document',
    'end tell',
  ].join('\n'),
};

export type AutomationResult =
  { action: AutomationAction; ran: true } | { action: AutomationAction; ran: false; reason: string };

export interface AutomationDeps {
  platform: Platform;
  run: CommandRunner;
  logger?: Logger;
}

export async function runAutomation(deps: AutomationDeps, action: AutomationAction): Promise<AutomationResult> {
  const script = APPLESCRIPTS[AutomationAction.parse(action)];
  if (deps.platform !== 'darwin') {
    const reason = `Presentation automation needs AppleScript, which exists only on macOS (this is ${deps.platform}).`;
    deps.logger?.info({ action, platform: deps.platform }, 'automation skipped: not macOS');
    return { action, ran: false, reason };
  }
  const result = await deps.run('osascript', ['-e', script]);
  if (result.exitCode !== 0) {
    // Usually the app is not running, or macOS has not granted this app Automation permission.
    throw new CommandFailedError(
      `The ${action} automation failed (osascript exit ${result.exitCode})${firstLine(result.stderr)}`,
    );
  }
  deps.logger?.info({ action }, 'automation ran');
  return { action, ran: true };
}
