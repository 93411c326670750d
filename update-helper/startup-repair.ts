import { promises as fs } from 'node:fs';
import type { Logger } from '../base/logger';
import { copyHelperOutOfBundle, spawnDetachedHelper, swapFilesIn, type SpawnFn } from './apply-update';

export const SWAP_STATES = [
  'preparing',
  'moving-old-aside',
  'moving-new-in',
  'awaiting-health',
  'rolling-back',
  'committed',
  'rolled-back',
  'aborted',
] as const;
export type SwapState = (typeof SWAP_STATES)[number];
const FINISHED: readonly SwapState[] = ['committed', 'rolled-back', 'aborted'];

/** The journal update_helper.sh keeps, as `key=value` lines; the helper is its only writer. */
export interface SwapJournal {
  state: SwapState;
  helperPid: number | null;
  installed: string;
  staged: string;
  backup: string;
  expectVersion: string;
  previousVersion: string;
}

export function parseSwapJournal(text: string): SwapJournal | null {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const state = fields.get('state') as SwapState | undefined;
  const installed = fields.get('installed');
  const backup = fields.get('backup');
  if (!state || !SWAP_STATES.includes(state) || !installed || !backup) return null;
  const pid = Number(fields.get('helper_pid'));
  return {
    state,
    helperPid: Number.isInteger(pid) && pid > 0 ? pid : null,
    installed,
    staged: fields.get('staged') ?? '',
    backup,
    expectVersion: fields.get('expect_version') ?? '',
    previousVersion: fields.get('previous_version') ?? '',
  };
}

export async function readSwapJournal(journalPath: string): Promise<SwapJournal | null> {
  try {
    return parseSwapJournal(await fs.readFile(journalPath, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export function isSwapFinished(journal: SwapJournal): boolean {
  return FINISHED.includes(journal.state);
}

export type StartupRepairResult =
  | { kind: 'no-swap' }
  | { kind: 'finished'; state: SwapState; version: string }
  | { kind: 'unreadable-journal' }
  | { kind: 'recovery-started'; state: SwapState; helperPid: number };

export interface StartupRepairDeps {
  stateDir: string;
  /** update_helper.sh as packaged; copied out of the bundle before it runs. */
  helperScript: string;
  spawn: SpawnFn;
  logger: Logger;
}

/**
 * At app start: a journal left in a middle state means a helper died mid-swap. The helper's own
 * `--recover` completes or undoes it (it leaves a live helper alone and, if this app is the
 * unconfirmed new version, waits for its health marker), so the decision logic lives in one place.
 * It runs detached because it may wait for the marker this very app writes later.
 */
export async function repairInterruptedSwap(deps: StartupRepairDeps): Promise<StartupRepairResult> {
  const files = swapFilesIn(deps.stateDir);
  let text: string;
  try {
    text = await fs.readFile(files.journal, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'no-swap' };
    throw err;
  }
  const journal = parseSwapJournal(text);
  if (!journal) {
    deps.logger.error({ journal: files.journal }, 'swap journal is unreadable; leaving the installed app as it is');
    return { kind: 'unreadable-journal' };
  }
  if (isSwapFinished(journal)) return { kind: 'finished', state: journal.state, version: journal.expectVersion };
  const script = await copyHelperOutOfBundle(deps.helperScript, files.helperRunDir);
  const helperPid = await spawnDetachedHelper(deps.spawn, script, [
    '--recover',
    `--journal=${files.journal}`,
    `--log=${files.log}`,
  ]);
  deps.logger.warn(
    { state: journal.state, version: journal.expectVersion, helperPid },
    'an update swap was interrupted; recovery started',
  );
  return { kind: 'recovery-started', state: journal.state, helperPid };
}
