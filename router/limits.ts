import { TRPCError } from '@trpc/server';
import { observable, type Observable } from '@trpc/server/observable';
import type { Context, SenderInfo } from './trpc';

/**
 * Per-window budgets (issue 10): the launcher page is remote content, so an XSS there can call the
 * bridge in a loop. Each window (webContents id) may hold a few live subscriptions per procedure and
 * may call the procedures that start OS work or network work only so often. Refusals are
 * TOO_MANY_REQUESTS with a message a page developer can act on.
 */

/** A page needs one of each; a few more for a page that re-subscribes before its old one closed. */
export const MAX_SUBSCRIPTIONS_PER_WINDOW = 8;

export interface RateLimit {
  /** Calls allowed at once. */
  burst: number;
  /** Calls regained per second. */
  perSecond: number;
}

/** Where it matters: each of these starts a program, a copy or a network request. */
export const RATE_LIMITS = {
  'launch.open': { burst: 10, perSecond: 1 },
  'launch.closePresentations': { burst: 10, perSecond: 2 },
  'launch.automation': { burst: 10, perSecond: 2 },
  'cache.ensure': { burst: 10, perSecond: 2 },
  'update.check': { burst: 3, perSecond: 0.1 },
} as const satisfies Record<string, RateLimit>;
export type RateLimitedPath = keyof typeof RATE_LIMITS;

export interface SenderLimits {
  /** Takes one call from the window's budget for `path`; false when it is used up. */
  take(webContentsId: number, path: RateLimitedPath): boolean;
  /** Reserves a subscription slot; the release function, or null when the window holds the maximum. */
  reserveSubscription(webContentsId: number, path: string): (() => void) | null;
  /** Live subscriptions of one window on one procedure (for tests and logs). */
  subscriptions(webContentsId: number, path: string): number;
  /**
   * Whether to log a refusal now: the first of each window and procedure, then one a minute with the
   * count since, so a page calling in a loop cannot flood the log (or spend the CPU on it).
   */
  refusalToLog(webContentsId: number, path: string): { suppressed: number } | null;
}

/** One refusal line per window and procedure per this period. */
const REFUSAL_LOG_PERIOD_MS = 60_000;

interface Bucket {
  tokens: number;
  at: number;
}

export function createSenderLimits({
  now = Date.now,
  maxSubscriptions = MAX_SUBSCRIPTIONS_PER_WINDOW,
}: { now?: () => number; maxSubscriptions?: number } = {}): SenderLimits {
  const buckets = new Map<string, Bucket>();
  const live = new Map<string, number>();
  const refusals = new Map<string, { loggedAt: number; suppressed: number }>();
  return {
    refusalToLog(webContentsId, path) {
      const key = `${webContentsId}:${path}`;
      const t = now();
      const entry = refusals.get(key);
      if (entry && t - entry.loggedAt < REFUSAL_LOG_PERIOD_MS) {
        entry.suppressed += 1;
        return null;
      }
      const suppressed = entry?.suppressed ?? 0;
      refusals.set(key, { loggedAt: t, suppressed: 0 });
      return { suppressed };
    },
    take(webContentsId, path) {
      const { burst, perSecond } = RATE_LIMITS[path];
      const key = `${webContentsId}:${path}`;
      const t = now();
      const bucket = buckets.get(key) ?? { tokens: burst, at: t };
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);
      bucket.at = t;
      buckets.set(key, bucket);
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
    reserveSubscription(webContentsId, path) {
      const key = `${webContentsId}:${path}`;
      const count = live.get(key) ?? 0;
      if (count >= maxSubscriptions) return null;
      live.set(key, count + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (live.get(key) ?? 1) - 1;
        if (left <= 0) live.delete(key);
        else live.set(key, left);
      };
    },
    subscriptions: (webContentsId, path) => live.get(`${webContentsId}:${path}`) ?? 0,
  };
}

/** The services' own limits, or one set per services object (so tests that build services get fresh budgets). */
const defaults = new WeakMap<object, SenderLimits>();
export function limitsOf(ctx: Pick<Context, 'services'>): SenderLimits {
  if (ctx.services.limits) return ctx.services.limits;
  let limits = defaults.get(ctx.services);
  if (!limits) {
    limits = createSenderLimits();
    defaults.set(ctx.services, limits);
  }
  return limits;
}

/** Throws TOO_MANY_REQUESTS when the window called `path` more often than RATE_LIMITS allows. */
export function spendCall(ctx: Pick<Context, 'services'> & { sender: SenderInfo }, path: RateLimitedPath): void {
  if (limitsOf(ctx).take(ctx.sender.webContentsId, path)) return;
  const { burst, perSecond } = RATE_LIMITS[path];
  const log = limitsOf(ctx).refusalToLog(ctx.sender.webContentsId, path);
  if (log)
    ctx.services.logger.warn(
      { path, webContentsId: ctx.sender.webContentsId, suppressed: log.suppressed },
      'bridge call refused: rate limit',
    );
  throw new TRPCError({
    code: 'TOO_MANY_REQUESTS',
    message: `${path} was called too often by this window (at most ${burst} at once, then ${perSecond} per second); wait and try again.`,
  });
}

/**
 * A subscription that counts against the window's cap, reserved at once (electron-trpc subscribes
 * right after the resolver returns) and released when it ends, however it ends.
 */
export function cappedSubscription<T>(
  ctx: Pick<Context, 'services'> & { sender: SenderInfo },
  path: string,
  source: (emit: { next: (value: T) => void }) => () => void,
): Observable<T, unknown> {
  const limits = limitsOf(ctx);
  const release = limits.reserveSubscription(ctx.sender.webContentsId, path);
  if (!release) {
    const log = limits.refusalToLog(ctx.sender.webContentsId, path);
    if (log)
      ctx.services.logger.warn(
        { path, webContentsId: ctx.sender.webContentsId, suppressed: log.suppressed },
        'bridge subscription refused: too many open',
      );
    throw new TRPCError({
      code: 'TOO_MANY_REQUESTS',
      message: `This window already has ${MAX_SUBSCRIPTIONS_PER_WINDOW} open ${path} subscriptions; unsubscribe one before opening another.`,
    });
  }
  return observable<T>((emit) => {
    let stop: (() => void) | null = null;
    try {
      stop = source(emit);
    } catch (err) {
      release();
      throw err;
    }
    return () => {
      release();
      stop?.();
    };
  });
}
