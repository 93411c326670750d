import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Platform } from '../base/platform';
import { APPLESCRIPTS, runAutomation } from '../kiosk/automation';
import { CommandFailedError, type CommandResult, type CommandRunner, execFileRunner } from '../base/command-runner';
import { CLOSE_COMMANDS, closePresentationApp } from '../kiosk/presentation-apps';
import { makeTempDir } from './launch-fixtures';

/** Stands in for the OS's killall/taskkill/osascript on the platforms this Linux box is not. */
function scriptedRunner(result: Partial<CommandResult> = {}) {
  const calls: { file: string; args: readonly string[] }[] = [];
  const run: CommandRunner = async (file, args) => {
    calls.push({ file, args });
    return { exitCode: 0, stdout: '', stderr: '', ...result };
  };
  return { calls, run };
}

const refusingRunner: CommandRunner = async (file) => {
  throw new Error(`nothing should have been run, but ${file} was`);
};

const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

/** A real long-running process whose command line looks like the given program. */
async function startProcessNamed(name: string, ...args: string[]): Promise<ChildProcess> {
  const dir = await makeTempDir('presentation');
  dirs.push(dir);
  const program = path.join(dir, name);
  await fs.copyFile('/bin/sleep', program);
  await fs.chmod(program, 0o755);
  const child = spawn(program, ['30', ...args], { stdio: 'ignore' });
  children.push(child);
  await new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject));
  return child;
}

function exitOf(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode ?? child.exitCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
}

describe('closePresentationApp on Linux, with real pkill and real processes', () => {
  const linux = { platform: 'linux' as Platform, run: execFileRunner() };

  it('interrupts a running LibreOffice and leaves look-alike command lines alone', async () => {
    const soffice = await startProcessNamed('soffice.bin');
    const decoy = await startProcessNamed('notsoffice');

    expect(await closePresentationApp(linux, 'libreoffice')).toEqual({ app: 'libreoffice', outcome: 'closed' });
    expect(await exitOf(soffice)).toBe('SIGINT');
    // Had pkill matched the decoy it would already carry SIGINT; ending it ourselves tells the two apart.
    decoy.kill('SIGTERM');
    expect(await exitOf(decoy)).toBe('SIGTERM');
  });

  it('reports "not running" when there is nothing to close, not an error', async () => {
    expect(await closePresentationApp(linux, 'libreoffice')).toEqual({ app: 'libreoffice', outcome: 'not-running' });
  });

  it('answers "unsupported" for apps that do not exist on Linux, without running anything', async () => {
    const deps = { platform: 'linux' as Platform, run: refusingRunner };
    expect(await closePresentationApp(deps, 'powerpoint')).toEqual({ app: 'powerpoint', outcome: 'unsupported' });
    expect(await closePresentationApp(deps, 'keynote')).toEqual({ app: 'keynote', outcome: 'unsupported' });
  });
});

describe('the fixed close table on macOS and Windows', () => {
  it.each([
    ['darwin', 'powerpoint', 'killall', ['-INT', 'Microsoft PowerPoint']],
    ['darwin', 'keynote', 'killall', ['-INT', 'Keynote']],
    ['win32', 'powerpoint', 'taskkill', ['/IM', 'POWERPNT.EXE']],
  ] as const)('%s %s runs %s %j', async (platform, app, file, args) => {
    const runner = scriptedRunner();
    expect(await closePresentationApp({ platform, run: runner.run }, app)).toEqual({ app, outcome: 'closed' });
    expect(runner.calls).toEqual([{ file, args }]);
  });

  it('maps each platform\'s "no such process" exit code to not-running', async () => {
    expect(
      (await closePresentationApp({ platform: 'darwin', run: scriptedRunner({ exitCode: 1 }).run }, 'keynote')).outcome,
    ).toBe('not-running');
    expect(
      (await closePresentationApp({ platform: 'win32', run: scriptedRunner({ exitCode: 128 }).run }, 'powerpoint'))
        .outcome,
    ).toBe('not-running');
  });

  it('turns any other exit code into a typed error quoting the first stderr line', async () => {
    const run = scriptedRunner({ exitCode: 2, stderr: 'killall: unknown signal\nmore detail\n' }).run;
    const error = await closePresentationApp({ platform: 'darwin', run }, 'powerpoint').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect((error as Error).message).toBe('Could not close powerpoint: killall exited with 2: killall: unknown signal');
  });

  it('refuses an app id outside the enum before anything runs', async () => {
    await expect(
      closePresentationApp({ platform: 'darwin', run: refusingRunner }, 'powerpoint; rm -rf ~' as never),
    ).rejects.toThrow();
  });

  it('never puts a shell in the table: every entry is a bare program with literal arguments', () => {
    for (const table of Object.values(CLOSE_COMMANDS)) {
      for (const command of Object.values(table)) {
        expect(command.file).toMatch(/^[a-z]+$/);
        expect(['sh', 'bash', 'cmd', 'powershell']).not.toContain(command.file);
      }
    }
  });
});

describe('execFileRunner', () => {
  const run = execFileRunner({ timeoutMs: 2_000 });

  it('passes arguments literally, with no shell to interpret them', async () => {
    const hostile = '$(touch /tmp/aether-pwned); `id` && echo no';
    const result = await run('printf', ['%s', hostile]);
    expect(result).toEqual({ exitCode: 0, stdout: hostile, stderr: '' });
  });

  it('resolves with a non-zero exit code instead of throwing', async () => {
    expect((await run('sh', ['-c', 'echo oops >&2; exit 3'])).exitCode).toBe(3);
  });

  it('rejects with a typed error naming a program that is not installed', async () => {
    await expect(run('aether-no-such-program', [])).rejects.toThrow(
      new CommandFailedError('aether-no-such-program is not available on this computer.'),
    );
  });

  it('gives up on a program that hangs', async () => {
    const quick = execFileRunner({ timeoutMs: 200 });
    await expect(quick('sleep', ['10'])).rejects.toThrow(/did not finish within 200 ms/);
  });
});

describe('runAutomation', () => {
  it('runs the fixed AppleScript through osascript -e on macOS', async () => {
    const runner = scriptedRunner();
    expect(await runAutomation({ platform: 'darwin', run: runner.run }, 'keynote.startSlideshow')).toEqual({
      action: 'keynote.startSlideshow',
      ran: true,
    });
    expect(runner.calls).toEqual([{ file: 'osascript', args: ['-e', APPLESCRIPTS['keynote.startSlideshow']] }]);
    expect(APPLESCRIPTS['keynote.startSlideshow']).toContain('tell application "Keynote"');
    expect(APPLESCRIPTS['powerpoint.startSlideshow']).toContain('tell application "Microsoft PowerPoint"');
  });

  it.each(['linux', 'win32'] as const)('on %s only logs and says why, running nothing', async (platform) => {
    const result = await runAutomation({ platform, run: refusingRunner }, 'powerpoint.startSlideshow');
    expect(result).toEqual({
      action: 'powerpoint.startSlideshow',
      ran: false,
      reason: expect.stringContaining('only on macOS'),
    });
  });

  it('reports an osascript failure (no permission, app not running) as a typed error', async () => {
    const run = scriptedRunner({
      exitCode: 1,
      stderr: 'execution error: Not authorized to send Apple events to Keynote. (-1743)',
    }).run;
    await expect(runAutomation({ platform: 'darwin', run }, 'keynote.startSlideshow')).rejects.toThrow(
      /Not authorized to send Apple events/,
    );
  });

  it('refuses an action outside the enum', async () => {
    await expect(
      runAutomation({ platform: 'darwin', run: refusingRunner }, 'do shell script "id"' as never),
    ).rejects.toThrow();
  });
});
