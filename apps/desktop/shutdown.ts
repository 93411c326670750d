import type { App } from 'electron';
import type { Logger } from '../../base/logger';

/**
 * Closes what the app started (simulator, share watchers, cache, bootstrap) before the process
 * ends. Electron does not wait for promises in quit handlers, so the first `will-quit` is held
 * (preventDefault), the closers run (bounded: a hung one must not keep a kiosk from quitting), and
 * the app quits again afterwards. Closers run in the order added: users of a part before the part.
 */

export interface ShutdownDeps {
  app: Pick<App, 'on' | 'quit'>;
  logger: Logger;
  timeoutMs?: number;
}

export interface Shutdown {
  add(name: string, close: () => Promise<unknown> | unknown): void;
  /** Resolves once every closer finished or the time bound passed. */
  readonly done: Promise<void>;
}

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;

export function installShutdown({ app, logger, timeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS }: ShutdownDeps): Shutdown {
  const closers: Array<{ name: string; close: () => Promise<unknown> | unknown }> = [];
  let phase: 'running' | 'closing' | 'closed' = 'running';
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => (finished = resolve));

  const closeAll = async () => {
    for (const { name, close } of closers.splice(0)) {
      try {
        await close();
      } catch (err) {
        logger.warn({ err, part: name }, 'shutdown: a part did not close cleanly');
      }
    }
  };

  app.on('will-quit', (event) => {
    if (phase === 'closed') return;
    event.preventDefault();
    if (phase === 'closing') return;
    phase = 'closing';
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        logger.warn({ timeoutMs }, 'shutdown: parts still closing; quitting anyway');
        resolve();
      }, timeoutMs);
    });
    void Promise.race([closeAll(), bound]).then(() => {
      clearTimeout(timer);
      phase = 'closed';
      finished();
      // Not from inside this handler: Electron ignores a quit() issued during will-quit (electron#33643).
      setImmediate(() => app.quit());
    });
  });

  return {
    add: (name, close) => void closers.push({ name, close }),
    done,
  };
}
