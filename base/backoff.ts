/**
 * The one retry delay policy (bootstrap retries, cache downloads, the renderer watchdog): capped
 * exponential growth with a random share taken off each delay, so a fleet that lost the API does
 * not retry in lockstep. `jitter: 0` is a fixed schedule (the watchdog's reload countdown);
 * `jitter: 1` is "full jitter", uniform over (0, ceiling].
 */
export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** 0..1: the share of each delay that is random. */
  jitter: number;
}

/** Bootstrap's API retries: 1 s doubling to a minute, 30 % jitter. */
export const DEFAULT_RETRY_POLICY: BackoffPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 60_000,
  factor: 2,
  jitter: 0.3,
};

/** A download's retries within one round: short, full jitter (many files fail together when the network drops). */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 1 };

/** The delay before retry number `attempt` (0 for the first retry); at least 1 ms. */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * policy.factor ** Math.min(Math.max(0, attempt), 30),
  );
  return Math.max(1, Math.round(ceiling * (1 - policy.jitter * random())));
}

/** Refuses a policy that would retry at once forever, shrink, or wait longer than its cap. */
export function validBackoffPolicy(policy: BackoffPolicy): BackoffPolicy {
  const { initialDelayMs, maxDelayMs, factor, jitter } = policy;
  if (!(initialDelayMs > 0) || !(maxDelayMs >= initialDelayMs))
    throw new RangeError(
      `retry delays must satisfy 0 < initialDelayMs <= maxDelayMs, got ${initialDelayMs} and ${maxDelayMs}`,
    );
  if (!(factor >= 1)) throw new RangeError(`retry factor must be >= 1, got ${factor}`);
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`retry jitter must be within 0..1, got ${jitter}`);
  return policy;
}
