import { AUTOMATION_PROBE_SCRIPT, type AutomationProbeMode } from '../../kiosk/automation-permission';
import type { CommandResult, CommandRunner } from '../../base/command-runner';

/**
 * macOS's Automation (Apple Events) consent as `osascript` shows it to the probe, for tests on any OS:
 * per target app, installed or not, running or not, and the TCC answer. An event to an app whose
 * answer is not determined shows the prompt (counted) and takes the user's answer; a refused event
 * fails with -1743 as osascript prints it; `ask` launches the app as a real `tell` would.
 */

export type AppleEventsGrant = 'not-determined' | 'granted' | 'denied';

export interface FakeApp {
  installed: boolean;
  running: boolean;
  grant: AppleEventsGrant;
  /** What the user presses when the prompt shows. */
  answer: 'granted' | 'denied';
}

export interface FakeAppleEvents {
  run: CommandRunner;
  apps: Record<string, FakeApp>;
  /** Every osascript call as `bundleId:mode`. */
  calls: string[];
  prompts: string[];
  /** Programs other than osascript, or scripts other than the probe: must stay empty. */
  unexpected: string[];
}

export const POWERPOINT = 'com.microsoft.Powerpoint';
export const KEYNOTE = 'com.apple.iWork.Keynote';

const NAMES: Record<string, string> = { [POWERPOINT]: 'Microsoft PowerPoint', [KEYNOTE]: 'Keynote' };

export function fakeAppleEvents(apps: Record<string, Partial<FakeApp>> = {}): FakeAppleEvents {
  const state: Record<string, FakeApp> = {};
  for (const [bundleId, app] of Object.entries(apps))
    state[bundleId] = { installed: true, running: false, grant: 'not-determined', answer: 'granted', ...app };
  const calls: string[] = [];
  const prompts: string[] = [];
  const unexpected: string[] = [];
  const ok = (stdout: string): CommandResult => ({ exitCode: 0, stdout: `${stdout}\n`, stderr: '' });

  const run: CommandRunner = async (file, args) => {
    const [flag, script, bundleId = '', mode = ''] = args;
    if (file !== 'osascript' || flag !== '-e' || script !== AUTOMATION_PROBE_SCRIPT || args.length !== 4) {
      unexpected.push([file, ...args].join(' '));
      return { exitCode: 1, stdout: '', stderr: 'unexpected command' };
    }
    calls.push(`${bundleId}:${mode}`);
    const app = state[bundleId];
    if (!app?.installed) return ok('not-installed');
    if ((mode as AutomationProbeMode) === 'check') return ok('installed');
    if (mode === 'recheck' && !app.running) return ok('not-running');
    app.running = true;
    if (app.grant === 'not-determined') {
      prompts.push(bundleId);
      app.grant = app.answer;
    }
    if (app.grant === 'denied') {
      return {
        exitCode: 1,
        stdout: '',
        stderr: `0:40: execution error: Not authorized to send Apple events to ${NAMES[bundleId] ?? bundleId}. (-1743)\n`,
      };
    }
    return ok('granted');
  };
  return { run, apps: state, calls, prompts, unexpected };
}
