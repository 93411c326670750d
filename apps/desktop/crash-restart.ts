import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { App } from 'electron';
import type { Logger } from '../../base/logger';
import { writeJsonAtomic } from '../../base/atomic-file';

/**
 * The in-app half of "restart after a crash" (docs/SECURITY.md): the packaged app relaunches itself
 * after an uncaught exception or unhandled rejection in the main process. A crash loop (a seed or
 * state that crashes every start) would otherwise relaunch forever, so recent crash times are kept
 * in stateDir and from the CRASH_LOOP_LIMIT-th crash within the window the app only exits; the OS
 * supervisor (LaunchAgent, systemd unit, scheduled task) or ops take it from there.
 */

export const CRASH_LOOP_LIMIT = 3;
export const CRASH_LOOP_WINDOW_MS = 5 * 60_000;
export const CRASH_TIMES_FILE = 'crash-times.json';

type CrashKind = 'uncaughtException' | 'unhandledRejection';

export interface CrashRestartDeps {
  app: Pick<App, 'relaunch' | 'exit'>;
  processEvents: { on(event: CrashKind, listener: (reason: unknown) => void): unknown };
  packaged: boolean;
  stateDir: string;
  logger: Logger;
  clock?: () => number;
}

export function installCrashRestart({
  app,
  processEvents,
  packaged,
  stateDir,
  logger,
  clock = Date.now,
}: CrashRestartDeps): void {
  const timesFile = path.join(stateDir, CRASH_TIMES_FILE);
  let exiting = false;

  const onCrash = (kind: CrashKind) => (reason: unknown) => {
    if (!packaged) {
      logger.fatal({ err: reason, kind }, 'main process crashed; development run, not relaunching');
      return;
    }
    // Errors thrown while the first one is being handled are part of the same crash.
    if (exiting) return;
    exiting = true;
    logger.fatal({ err: reason, kind }, 'main process crashed');
    void recordCrash(timesFile, clock(), logger)
      .then((recentCrashes) => {
        if (recentCrashes === null || recentCrashes >= CRASH_LOOP_LIMIT) {
          logger.error(
            { recentCrashes, windowMinutes: CRASH_LOOP_WINDOW_MS / 60_000 },
            `${recentCrashes === null ? 'crash count unknown' : 'crash loop'}: not relaunching; the OS supervisor (LaunchAgent, systemd unit, scheduled task) restarts the app if installed, otherwise ops must read this log`,
          );
        } else {
          logger.info({ recentCrashes }, 'relaunching after the crash');
          app.relaunch();
        }
      })
      .finally(() => logger.flush(() => app.exit(1)));
  };

  processEvents.on('uncaughtException', onCrash('uncaughtException'));
  processEvents.on('unhandledRejection', onCrash('unhandledRejection'));
}

/** Adds `now` to the crash times in the window and returns how many there are; null if they cannot be kept. */
async function recordCrash(file: string, now: number, logger: Logger): Promise<number | null> {
  const recent = (await readCrashTimes(file)).filter((time) => time > now - CRASH_LOOP_WINDOW_MS && time <= now);
  recent.push(now);
  try {
    await writeJsonAtomic(file, { crashes: recent });
  } catch (err) {
    // Without a record the guard cannot stop a loop, so relaunching is left to the OS supervisor.
    logger.error({ err, file }, 'crash times could not be saved');
    return null;
  }
  return recent.length;
}

/** A missing or corrupt file counts as no crashes: the guard must never be what keeps a kiosk down. */
async function readCrashTimes(file: string): Promise<number[]> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { crashes?: unknown };
    return Array.isArray(parsed.crashes) ? parsed.crashes.filter((time): time is number => Number.isFinite(time)) : [];
  } catch {
    return [];
  }
}
