import type { FailureKind, StepFailureCode } from '@shaman/events';

/** How one kind of failure is retried: back-off doubling from `baseMs` up to `maxMs`, at most `maxAttempts` attempts in all. */
export type RetryRule = { baseMs: number; maxMs: number; maxAttempts: number };
export type RetryPolicy = Readonly<Record<FailureKind, RetryRule>>;

/**
 * Defaults (DESIGN §4 "retry policy with back-off for LLM/tool/network errors"). A provider that is down or
 * throttling recovers in seconds to minutes, so model failures wait longest; a dropped connection usually heals
 * at once, so network failures retry soonest and most often; an unexpected error is most likely a bug that
 * repeats, so it is retried twice only.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  model: { baseMs: 1000, maxMs: 30_000, maxAttempts: 5 },
  tool: { baseMs: 500, maxMs: 10_000, maxAttempts: 4 },
  network: { baseMs: 250, maxMs: 5000, maxAttempts: 6 },
  internal: { baseMs: 1000, maxMs: 10_000, maxAttempts: 3 },
};

/** What a failing service asked for (`Retry-After`) is honoured up to this. */
export const MAX_RETRY_AFTER_MS = 600_000;

export type RetryDecision = { kind: 'retry'; delayMs: number } | { kind: 'dead_letter'; code: StepFailureCode };

export type FailedAttempt = {
  kind: FailureKind;
  /** The attempt that failed, 1-based (JetStream's delivery count). */
  attempt: number;
  /** The consumer's `max_deliver`: past it JetStream delivers no more, whatever the rule says. */
  maxDeliveries: number;
  retryAfterMs?: number | undefined;
  /** A number in [0, 1) from the caller (the domain draws no randomness): spreads retries over [delay/2, delay]. */
  jitter: number;
};

/** The failure code a dead-lettered step ends with. */
const FAILURE_CODES: Readonly<Record<FailureKind, StepFailureCode>> = { model: 'model_error', tool: 'tool_error', network: 'internal', internal: 'internal' };

/** After an attempt failed: retry after a delay, or give up (dead-letter the step). Pure. */
export const decideRetry = (policy: RetryPolicy, failed: FailedAttempt): RetryDecision => {
  const rule = policy[failed.kind];
  if (failed.attempt >= Math.min(rule.maxAttempts, failed.maxDeliveries)) return { kind: 'dead_letter', code: FAILURE_CODES[failed.kind] };
  if (failed.retryAfterMs !== undefined && failed.retryAfterMs > 0) return { kind: 'retry', delayMs: Math.min(Math.ceil(failed.retryAfterMs), MAX_RETRY_AFTER_MS) };
  const full = Math.min(rule.baseMs * 2 ** (failed.attempt - 1), rule.maxMs);
  return { kind: 'retry', delayMs: Math.round(full / 2 + (full / 2) * failed.jitter) };
};
