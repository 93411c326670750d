import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../base/atomic-file';
import type { BootstrapState } from './bootstrap-state';
import { SeedError } from './seed-errors';
import { type LoadedSeed, loadSeed, SEED_MAX_BYTES } from './seed-load';
import { readShareFileSafely, ShareReadError } from './share-read';
import { preferredShareRoot, SEEDS_DIR_NAME, seedFileName } from './share-root';
import { createShareWatcher, type ShareWatcher, type ShareWatcherOptions } from './share-watcher';

/**
 * Zero-touch provisioning (DESIGN §8): no local seed, so wait for `<share>/seeds/seed_<host>.json`.
 * `waiting` carries the exact file and folder for the splash, and the problem with the seed found
 * there, if any: an invalid seed is reported and waited on, never copied.
 */
export type ZeroTouchState =
  | { kind: 'waiting'; folder: string; file: string; problem?: string }
  | { kind: 'provisioned'; seedPath: string; source: 'share' | 'local' };

export interface WaitForSeedOptions {
  /** Share roots in order of preference; every one is watched, the first existing one is shown. */
  shareCandidates: readonly string[];
  /** Normalised hostname (`localHostname()`). */
  hostname: string;
  /** The OS config path the seed is copied to (`platformPaths().seedConfigPath`). */
  seedConfigPath: string;
  defaultApiUrl: string;
  logger: Logger;
  home?: string;
  onState?: (state: ZeroTouchState) => void;
  signal?: AbortSignal;
  watch?: Pick<ShareWatcherOptions, 'debounceMs' | 'maxWaitMs' | 'rescanMs' | 'poll'>;
}

/** The splash's view of a zero-touch state. */
export function zeroTouchBootstrapState(state: Extract<ZeroTouchState, { kind: 'waiting' }>): BootstrapState {
  return { kind: 'seeking-seed', waitingFor: { folder: state.folder, file: state.file }, ...(state.problem ? { problem: state.problem } : {}) };
}

/**
 * Resolves with the seed loaded from `seedConfigPath` once one is there: copied atomically from the
 * share after validating the exact bytes copied, or written locally by someone else meanwhile (a
 * local seed always wins; it is never overwritten). Rejects only when `signal` aborts.
 */
export async function waitForSeed(options: WaitForSeedOptions): Promise<LoadedSeed> {
  const { hostname, seedConfigPath, logger, signal } = options;
  const log = logger.child({ module: 'zero-touch' });
  const file = seedFileName(hostname);
  const folder = path.join(await preferredShareRoot(options.shareCandidates), SEEDS_DIR_NAME);
  const loadOptions = { logger, defaultApiUrl: options.defaultApiUrl, home: options.home };
  signal?.throwIfAborted();

  return new Promise<LoadedSeed>((resolve, reject) => {
    const watchers: ShareWatcher[] = [];
    let settled = false;
    let lastProblem: string | null = null;
    let busy: Promise<void> = Promise.resolve();

    const report = (problem?: string) => options.onState?.({ kind: 'waiting', folder, file, ...(problem ? { problem } : {}) });
    const finish = (outcome: { seed: LoadedSeed } | { error: unknown }) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void Promise.all(watchers.map((w) => w.close())).then(() => ('seed' in outcome ? resolve(outcome.seed) : reject(outcome.error)));
    };
    const onAbort = () => finish({ error: signal?.reason });
    signal?.addEventListener('abort', onAbort);

    const attempt = (source: 'share' | 'local', candidate: string, root = '') => {
      busy = busy.then(async () => {
        if (settled) return;
        try {
          const seed = source === 'local' ? await loadSeed(seedConfigPath, loadOptions) : await adoptShareSeed(candidate, root);
          if (!seed) return;
          log.info({ seedPath: seedConfigPath, from: source === 'share' ? candidate : 'local' }, 'seed found; continuing bootstrap');
          options.onState?.({ kind: 'provisioned', seedPath: seedConfigPath, source });
          finish({ seed });
        } catch (err) {
          if (err instanceof ShareReadError) {
            // A peer's symlink, FIFO, folder or oversized file: a fixed description, never its content.
            const problem = `${err.description}; waiting for a plain seed file`;
            if (problem !== lastProblem) log.warn({ problem: err.problem }, `seed in the share is refused: ${problem}`);
            lastProblem = problem;
            report(problem);
            return;
          }
          if (!(err instanceof SeedError)) {
            const code = (err as NodeJS.ErrnoException | null)?.code;
            log.error({ err }, 'zero-touch provisioning could not use a seed');
            report(`the seed could not be used (${typeof code === 'string' ? code : 'unexpected error'}); waiting for the next change`);
            return;
          }
          if (err.message !== lastProblem) {
            lastProblem = err.message;
            log.warn({ seedPath: candidate }, `seed in the share is not usable; waiting for a corrected one: ${err.message}`);
          }
          report(err.message);
        }
      });
    };

    /** Validates exactly the bytes it copies, so a file changing in between cannot slip through. */
    const adoptShareSeed = async (sharePath: string, root: string): Promise<LoadedSeed | null> => {
      if (await exists(seedConfigPath)) return loadSeed(seedConfigPath, loadOptions);
      // Never through a symlink (a seed linked outside the share is refused), never a FIFO, capped before reading.
      const bytes = await readShareFileSafely(sharePath, { maxBytes: SEED_MAX_BYTES, root }).then(
        (file) => file.bytes,
        (err: unknown) => {
          // Gone between the scan and the read (Syncthing replacing it): the next scan sees the outcome.
          if (err instanceof ShareReadError && err.problem === 'missing') return null;
          throw err;
        },
      );
      if (!bytes) return null;
      const snapshotReader = {
        stat: async () => ({ isDirectory: () => false, isFile: () => true, size: bytes.length }),
        read: async () => bytes,
      };
      await loadSeed(sharePath, { ...loadOptions, reader: snapshotReader });
      await writeFileAtomic(seedConfigPath, bytes, 0o600);
      return loadSeed(seedConfigPath, loadOptions);
    };

    const start = async () => {
      report();
      log.info({ folder, file }, 'no local seed; waiting for one in the share');
      const local = createShareWatcher({
        dir: path.dirname(seedConfigPath),
        accept: (n) => n === path.basename(seedConfigPath),
        logger,
        ...options.watch,
        onSnapshot: (s) => {
          if (s.size > 0) attempt('local', seedConfigPath);
        },
      });
      watchers.push(local);
      for (const root of options.shareCandidates) {
        const watcher = createShareWatcher({
          dir: path.join(root, SEEDS_DIR_NAME),
          accept: (n) => n === file,
          logger,
          ...options.watch,
          onSnapshot: (s) => {
            const entry = s.get(file);
            if (entry) attempt('share', entry.path, root);
          },
        });
        watchers.push(watcher);
      }
      for (const watcher of watchers) {
        if (settled) break;
        await watcher.start();
      }
      if (settled) await Promise.all(watchers.map((w) => w.close()));
    };
    start().catch((err: unknown) => finish({ error: err }));
  });
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
