import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../base/atomic-file';
import { assertNever } from '../base/failure';
import { createMachine, stay, to, type Transition } from '../base/machine';
import { describeBootstrapFailure, seedProblem, type SeedProblem } from './bootstrap-failure';
import type { BootstrapState } from './bootstrap-state';
import { type LoadedSeed, loadSeed, SEED_MAX_BYTES } from './seed-load';
import { readShareFileSafely, ShareReadError } from './share-read';
import { preferredShareRoot, SEEDS_DIR_NAME, seedFileName } from './share-root';
import { createShareWatcher, type ShareWatcher, type ShareWatcherOptions } from './share-watcher';

/**
 * Zero-touch provisioning (DESIGN §8): no local seed, so wait for `<share>/seeds/seed_<host>.json`.
 * `waiting` carries the exact file and folder for the splash, and the typed `failure` of the seed
 * found there, if any (`problem` is its sentence, for display): an invalid seed is reported and
 * waited on, never copied.
 */
export type ZeroTouchState =
  | { kind: 'waiting'; folder: string; file: string; failure?: SeedProblem; problem?: string }
  | { kind: 'provisioned'; seedPath: string; source: 'share' | 'local' };

export type ZeroTouchEvent =
  /** A seed was found but cannot be used (it stays waited on). */
  | { type: 'refused'; failure: SeedProblem }
  /** A usable seed is now at `seedPath` (copied from the share, or written locally). */
  | { type: 'provisioned'; seedPath: string; source: 'share' | 'local' };

/** The pure transition: the same problem reported again is no change; once provisioned, nothing changes. */
export function zeroTouchStep(state: ZeroTouchState, event: ZeroTouchEvent): Transition<ZeroTouchState, never> {
  if (state.kind === 'provisioned') return stay(state);
  switch (event.type) {
    case 'refused': {
      const problem = describeBootstrapFailure(event.failure);
      if (state.problem === problem) return stay(state);
      return to({ kind: 'waiting', folder: state.folder, file: state.file, failure: event.failure, problem });
    }
    case 'provisioned':
      return to({ kind: 'provisioned', seedPath: event.seedPath, source: event.source });
    default:
      return assertNever(event, 'zero-touch event');
  }
}

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
  return {
    kind: 'seeking-seed',
    waitingFor: { folder: state.folder, file: state.file },
    ...(state.failure ? { failure: state.failure, problem: describeBootstrapFailure(state.failure) } : {}),
  };
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
    let busy: Promise<void> = Promise.resolve();
    const machine = createMachine<ZeroTouchState, ZeroTouchEvent, never>({
      initial: { kind: 'waiting', folder, file },
      step: zeroTouchStep,
      onListenerError: (err) => log.error({ err }, 'a zero-touch state listener threw'),
    });
    if (options.onState) machine.subscribe(options.onState);
    const finish = (outcome: { seed: LoadedSeed } | { error: unknown }) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void Promise.all(watchers.map((w) => w.close())).then(() =>
        'seed' in outcome ? resolve(outcome.seed) : reject(outcome.error),
      );
    };
    const onAbort = () => finish({ error: signal?.reason });
    signal?.addEventListener('abort', onAbort);

    const attempt = (source: 'share' | 'local', candidate: string, root = '') => {
      busy = busy.then(async () => {
        if (settled) return;
        try {
          const seed =
            source === 'local' ? await loadSeed(seedConfigPath, loadOptions) : await adoptShareSeed(candidate, root);
          if (!seed) return;
          log.info(
            { seedPath: seedConfigPath, from: source === 'share' ? candidate : 'local' },
            'seed found; continuing bootstrap',
          );
          machine.dispatch({ type: 'provisioned', seedPath: seedConfigPath, source });
          finish({ seed });
        } catch (err) {
          // A peer's symlink, FIFO, folder or oversized file is described by a fixed text, never its content.
          const failure: SeedProblem =
            err instanceof ShareReadError
              ? {
                  code: 'seed-unreadable',
                  file: candidate,
                  detail: `${err.description}; waiting for a plain seed file`,
                }
              : seedProblem(candidate, err);
          const before = machine.state();
          machine.dispatch({ type: 'refused', failure });
          if (machine.state() === before) return;
          // Logged once per distinct problem: the next re-scan of the same file stays silent.
          if (failure.code === 'seed-unreadable' && !(err instanceof ShareReadError))
            log.error({ err }, 'zero-touch provisioning could not use a seed');
          else
            log.warn(
              { seedPath: candidate, failure: failure.code },
              `seed in the share is not usable; waiting for a corrected one: ${describeBootstrapFailure(failure)}`,
            );
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
      options.onState?.(machine.state());
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
