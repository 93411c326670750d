/** Capped exponential backoff with jitter, so a fleet that lost the API does not retry in lockstep. */
export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** 0..1: the share of each delay that is random. */
  jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialDelayMs: 1_000, maxDelayMs: 60_000, factor: 2, jitter: 0.3 };

/** The delay before retry number `attempt` (0 for the first retry). */
export function retryDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** Math.min(attempt, 30));
  return Math.round(base * (1 - policy.jitter * random()));
}

export function validRetryPolicy(policy: RetryPolicy): RetryPolicy {
  const { initialDelayMs, maxDelayMs, factor, jitter } = policy;
  if (!(initialDelayMs > 0) || !(maxDelayMs >= initialDelayMs)) throw new RangeError(`retry delays must satisfy 0 < initialDelayMs <= maxDelayMs, got ${initialDelayMs} and ${maxDelayMs}`);
  if (!(factor >= 1)) throw new RangeError(`retry factor must be >= 1, got ${factor}`);
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`retry jitter must be within 0..1, got ${jitter}`);
  return policy;
}
