import { spawn } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../apps/simulator/index';
import { type CommandRunner, execFileRunner } from '../base/command-runner';
import { FleetStatus } from '../contracts/status-file';
import { presentationAppRunning, RUNNING_CHECKS } from '../kiosk/presentation-running';
import { appCore } from './support/app-core';
import { useCleanups } from './support/cleanups';
import { waitFor } from './share-watcher-helpers';

const cleanups = useCleanups();

/** A stand-in LibreOffice: a process whose command line names a program called soffice. */
async function standInSoffice(): Promise<() => void> {
  const dir = await cleanups.tempDir('soffice');
  const program = path.join(dir, 'soffice');
  await writeFile(program, '#!/bin/sh\nsleep 30\n');
  await chmod(program, 0o755);
  const child = spawn('/bin/sh', [program], { stdio: 'ignore' });
  const stop = () => void child.kill('SIGKILL');
  cleanups.push(stop);
  await waitFor(
    'the stand-in to run',
    async () => (await presentationAppRunning('linux', execFileRunner())) || undefined,
  );
  return stop;
}

describe('is a presentation app running', () => {
  it('sees a real process on Linux, and no longer once it exited', async () => {
    // The check is machine-wide by design (pgrep), and another suite may run its own stand-in meanwhile:
    // so "not running" is awaited (bounded) rather than asserted at one instant.
    const stop = await standInSoffice();
    expect(await presentationAppRunning('linux', execFileRunner())).toBe(true);
    stop();
    await waitFor(
      'the stand-in to be gone',
      async () => !(await presentationAppRunning('linux', execFileRunner())) || undefined,
    );
  });

  it('asks each platform its fixed question, never through a shell', async () => {
    const asked: string[] = [];
    const answers: Record<string, { exitCode: number; stdout: string }> = {
      'pgrep -x Keynote': { exitCode: 0, stdout: '123\n' },
      'tasklist /FI IMAGENAME eq POWERPNT.EXE /NH': {
        exitCode: 0,
        stdout: 'POWERPNT.EXE   4242 Console  1  180,000 K\n',
      },
    };
    const run: CommandRunner = async (file, args) => {
      const line = [file, ...args].join(' ');
      asked.push(line);
      return { exitCode: 1, stdout: '', stderr: '', ...answers[line] };
    };
    expect(await presentationAppRunning('darwin', run)).toBe(true);
    expect(asked).toEqual(['pgrep -x Microsoft PowerPoint', 'pgrep -x Keynote']);
    expect(await presentationAppRunning('win32', run)).toBe(true);
    // "INFO: No tasks are running" exits 0 too: only the image name in the answer counts.
    answers['tasklist /FI IMAGENAME eq POWERPNT.EXE /NH'] = {
      exitCode: 0,
      stdout: 'INFO: No tasks are running which match the specified criteria.\n',
    };
    expect(await presentationAppRunning('win32', run)).toBe(false);
    expect(RUNNING_CHECKS.linux.map((c) => c.file)).toEqual(['pgrep']);
  });
});

describe('room telemetry from the core', () => {
  it('an open puts the file on screen, counts it once in the share, and sessions report show-readiness', async () => {
    const sim = await startSimulator();
    cleanups.push(() => sim.close());
    const home = await cleanups.tempDir('room-core');
    const share = path.join(home, 'admin_share');
    await mkdir(path.join(share, 'status'), { recursive: true });
    await writeFile(path.join(home, 'seed.json'), JSON.stringify(sim.demoSeed()));
    const opened: string[] = [];
    const core = await appCore({
      home,
      env: { HOME: home, AETHER_SHARE: share },
      opener: async (file) => void opened.push(file),
      captureScreen: async () => null,
    });
    cleanups.push(() => core.close());
    await core.start();
    const keynote = sim.demo.files.find((f) => f.filename.endsWith('.pptx'))!;
    await waitFor(
      'the event list',
      async () => (await core.services.cache.status([keynote.sha256])).files[0]?.state === 'present' || undefined,
      30_000,
    );
    await core.services.launch.open({ sha256: keynote.sha256 });
    expect(opened).toHaveLength(1);
    await core.close();

    const status = FleetStatus.parse(
      JSON.parse(
        await readFile(
          path.join(
            share,
            'status',
            `${(await import('../contracts/hostname')).normaliseHostname((await import('node:os')).hostname())}.json`,
          ),
          'utf8',
        ),
      ),
    );
    expect(status.on_screen).toMatchObject({ filename: keynote.filename, sha256: keynote.sha256 });
    expect(status.room?.state).toBeDefined();
    const withSession = sim.demo.files.filter((f) => f.session_id);
    expect(status.sessions?.map((s) => s.id).sort()).toEqual(
      [...new Set(withSession.map((f) => f.session_id!))].sort(),
    );
    const lines = (await readFile(path.join(share, 'status', `${status.hostname}.presentations.jsonl`), 'utf8'))
      .trim()
      .split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      seq: 1,
      sha256: keynote.sha256,
      filename: keynote.filename,
      event_file_id: keynote.event_file_id,
    });
  });
});
