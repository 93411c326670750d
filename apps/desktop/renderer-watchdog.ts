import type { WebContents } from 'electron';
import type { Logger } from 'pino';
import {
  createWatchdog,
  DEFAULT_WATCHDOG_CONFIG,
  type Watchdog,
  type WatchdogClock,
  type WatchdogConfig,
  type WatchdogState,
} from '../../kiosk/watchdog';

/**
 * Feeds the kiosk renderer's events into the watchdog state machine and carries out its effects.
 * Splash and kiosk visibility belong to the composition root, which passes them in.
 */

export interface RendererWatchdogDeps {
  contents: WebContents;
  logger: Logger;
  /** Validated load (NavigationLock.load). */
  load: (url: string) => Promise<void>;
  showSplash: (message: string, retryAt: number) => void;
  showKiosk: () => void;
  /** `net.isOnline()`; polled because the main process gets no online/offline events. */
  isOnline: () => boolean;
  onlinePollMs?: number;
  clock?: WatchdogClock;
  config?: WatchdogConfig;
  onState?: (state: WatchdogState) => void;
}

const realClock: WatchdogClock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function watchRenderer(deps: RendererWatchdogDeps): Watchdog & { start(url: string): void } {
  const { contents, logger } = deps;
  const dog = createWatchdog({
    config: deps.config ?? DEFAULT_WATCHDOG_CONFIG,
    clock: deps.clock ?? realClock,
    onState: (state, previous) => {
      if (state.kind !== previous.kind)
        logger.info(
          { from: previous.kind, to: state.kind, failure: 'failure' in state ? state.failure.code : undefined },
          'kiosk renderer state',
        );
      deps.onState?.(state);
    },
    perform: (effect) => {
      if (effect.type === 'load') {
        deps.load(effect.url).catch((error: unknown) => {
          logger.warn({ err: error }, 'kiosk load failed');
          dog.dispatch({
            type: 'load-failed',
            code: -2,
            description: error instanceof Error ? error.message : 'load failed',
          });
        });
      } else if (effect.type === 'kill-renderer') {
        if (!contents.isDestroyed()) contents.forcefullyCrashRenderer();
      } else if (effect.type === 'show-splash') deps.showSplash(effect.message, effect.retryAt);
      else deps.showKiosk();
    },
  });

  contents.on('did-finish-load', () => dog.dispatch({ type: 'loaded' }));
  contents.on('did-fail-load', (_event, code, description, _url, isMainFrame) => {
    if (isMainFrame) dog.dispatch({ type: 'load-failed', code, description });
  });
  contents.on('render-process-gone', (_event, details) =>
    dog.dispatch({ type: 'render-process-gone', reason: details.reason }),
  );
  contents.on('unresponsive', () => dog.dispatch({ type: 'unresponsive' }));
  contents.on('responsive', () => dog.dispatch({ type: 'responsive' }));

  let online = deps.isOnline();
  const poll = setInterval(() => {
    const now = deps.isOnline();
    if (now !== online) dog.dispatch({ type: 'network', online: now });
    online = now;
  }, deps.onlinePollMs ?? 3_000);
  poll.unref?.();
  contents.once('destroyed', () => {
    clearInterval(poll);
    dog.stop();
  });

  return {
    ...dog,
    start: (url) => dog.dispatch({ type: 'start', url }),
    stop() {
      clearInterval(poll);
      dog.stop();
    },
  };
}
