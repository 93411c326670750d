import type { Logger } from 'pino';
import type { CommandRunner } from '../base/command-runner';

/**
 * macOS Automation (Apple Events) for the presentation apps (DESIGN §7): the AppleScript that starts a
 * slideshow needs Aether to be allowed to control PowerPoint and Keynote, one grant per app. macOS
 * has no API to read that grant, so it is probed with one fixed, harmless script run by `osascript`
 * through the injected command runner (never a shell); the bundle id and mode are the only arguments
 * and both come from the constants below. A refusal shows as error -1743.
 */

export interface AutomationTarget {
  bundleId: string;
  /** As macOS lists it under Privacy & Security › Automation. */
  name: string;
}

export const AUTOMATION_TARGETS: readonly AutomationTarget[] = [
  { bundleId: 'com.microsoft.Powerpoint', name: 'Microsoft PowerPoint' },
  { bundleId: 'com.apple.iWork.Keynote', name: 'Keynote' },
];

/**
 * - `check`: is the app installed? Sends no Apple Event (an application's name is read locally).
 * - `recheck`: sends one event only if the app is running, so it never launches it; a grant made in
 *   System Settings since the last answer shows up here.
 * - `ask`: sends one event, launching the app if needed: what makes macOS show its prompt (once).
 */
export type AutomationProbeMode = 'check' | 'recheck' | 'ask';

export const AUTOMATION_PROBE_SCRIPT = [
  'on run argv',
  '  set bundleId to item 1 of argv',
  '  set probeMode to item 2 of argv',
  '  try',
  '    get name of application id bundleId',
  '  on error',
  '    return "not-installed"',
  '  end try',
  '  if probeMode is "check" then return "installed"',
  '  if probeMode is "recheck" and not (application id bundleId is running) then return "not-running"',
  '  tell application id bundleId to count windows',
  '  return "granted"',
  'end run',
].join('\n');

/** What one probe found out about one app. */
export type AppAutomationState =
  'not-installed' | 'installed' | 'not-running' | 'granted' | 'denied' | 'not-determined' | 'unknown';

/** errAEEventNotPermitted: the user (or a profile) refused Automation for this pair of apps. */
export const NOT_PERMITTED = -1743;
/** errAETimeout: the event waited too long, which is what a prompt nobody answered looks like. */
const EVENT_TIMED_OUT = -1712;

const STDOUT_STATES: ReadonlySet<string> = new Set(['not-installed', 'installed', 'not-running', 'granted']);

export async function probeAutomation(
  run: CommandRunner,
  target: AutomationTarget,
  mode: AutomationProbeMode,
  logger: Logger,
): Promise<AppAutomationState> {
  let result;
  try {
    result = await run('osascript', ['-e', AUTOMATION_PROBE_SCRIPT, target.bundleId, mode]);
  } catch (error) {
    logger.warn({ app: target.name, mode, err: error }, 'automation probe could not run');
    return 'unknown';
  }
  if (result.exitCode === 0) {
    const answer = result.stdout.trim();
    if (STDOUT_STATES.has(answer)) return answer as AppAutomationState;
    logger.warn({ app: target.name, mode, answer: answer.slice(0, 80) }, 'automation probe gave an unexpected answer');
    return 'unknown';
  }
  // osascript prints "execution error: Not authorized to send Apple events to Keynote. (-1743)".
  const code = /\((-?\d+)\)\s*$/m.exec(result.stderr)?.[1];
  if (Number(code) === NOT_PERMITTED) return 'denied';
  if (Number(code) === EVENT_TIMED_OUT) return 'not-determined';
  logger.warn(
    { app: target.name, mode, exitCode: result.exitCode, error: result.stderr.trim().slice(0, 200) },
    'automation probe failed',
  );
  return 'unknown';
}
