import type { RoomState } from '../contracts/status-file';

/**
 * The room as ops see it on the dashboard, from what the laptop knows: identity, cache, presentation.
 * One answer with one reason, in this order: a failure, a presentation, work left, ready, nothing yet.
 */
export interface RoomInput {
  /** The bootstrap state's kind (`ready`, `offline-ready`, `failed`, `seeking-seed`, ...). */
  bootstrap: string;
  /** A short, already sanitised reason for a failed bootstrap. */
  bootstrapReason?: string | null;
  /** Files of the device's list, and how many are not yet present and verified. */
  cache: { files: number; missing: number };
  /** The sync loop is transferring or about to. */
  syncing: boolean;
  /** A typed sync failure (e.g. not enough disk space), as a sentence. */
  syncProblem?: string | null;
  presenting: { filename: string } | null;
}

export function roomState(input: RoomInput): { state: RoomState; reason: string | null } {
  if (input.bootstrap === 'failed')
    return { state: 'error', reason: input.bootstrapReason ?? 'the laptop could not get its identity from the API' };
  if (input.bootstrap === 'seeking-seed') return { state: 'idle', reason: 'waiting for its seed in the share' };
  if (input.presenting) return { state: 'presenting', reason: input.presenting.filename };
  if (input.syncProblem) return { state: 'error', reason: input.syncProblem };
  const { files, missing } = input.cache;
  if (files === 0)
    return {
      state: 'idle',
      reason:
        input.bootstrap === 'ready' || input.bootstrap === 'offline-ready'
          ? 'no event files yet'
          : `starting (${input.bootstrap})`,
    };
  if (missing > 0)
    return {
      state: 'syncing',
      reason: `${files - missing} of ${files} files ready${input.syncing ? '' : ', waiting to sync'}`,
    };
  return { state: 'ready', reason: input.bootstrap === 'offline-ready' ? 'all files ready (offline)' : null };
}
