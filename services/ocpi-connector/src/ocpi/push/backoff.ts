export interface BackoffPolicy {
  /** Delay after the first failed attempt. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** 0..1: the share of each delay that is random, so that partners coming back are not hit by every queue at once. */
  readonly jitter: number;
}

/**
 * Delay before the attempt following failed attempt `attempt` (1-based): base * 2^(attempt-1), capped, the top
 * `jitter` share of it drawn at random. `random` is injected so the schedule is a pure function.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, Math.min(attempt - 1, 40));
  const capped = Math.min(policy.maxDelayMs, exponential);
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(capped * (1 - jitter) + capped * jitter * random());
}
