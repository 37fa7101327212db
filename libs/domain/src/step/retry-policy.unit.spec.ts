import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, MAX_RETRY_AFTER_MS, decideRetry, type FailedAttempt } from './retry-policy.js';

const failed = (over: Partial<FailedAttempt>): FailedAttempt => ({ kind: 'model', attempt: 1, maxDeliveries: 10, jitter: 1, ...over });
const decide = (over: Partial<FailedAttempt>) => decideRetry(DEFAULT_RETRY_POLICY, failed(over));

describe('retry policy per kind of failure (issue 7)', () => {
  it('doubles the back-off per attempt from the kind base, up to its cap', () => {
    expect([1, 2, 3, 4].map((attempt) => decide({ kind: 'model', attempt }))).toEqual([1000, 2000, 4000, 8000].map((delayMs) => ({ kind: 'retry', delayMs })));
    expect(decide({ kind: 'network', attempt: 5 })).toEqual({ kind: 'retry', delayMs: 4000 });
    expect(decideRetry({ ...DEFAULT_RETRY_POLICY, tool: { baseMs: 500, maxMs: 1500, maxAttempts: 9 } }, failed({ kind: 'tool', attempt: 6 }))).toEqual({ kind: 'retry', delayMs: 1500 });
  });

  it('retries each kind on its own schedule: the network soonest, the model slowest', () => {
    const first = (kind: FailedAttempt['kind']) => decide({ kind, attempt: 1 });
    expect([first('network'), first('tool'), first('internal'), first('model')]).toEqual([250, 500, 1000, 1000].map((delayMs) => ({ kind: 'retry', delayMs })));
  });

  it('spreads retries over the upper half of the delay with the caller jitter', () => {
    expect(decide({ attempt: 2, jitter: 0 })).toEqual({ kind: 'retry', delayMs: 1000 });
    expect(decide({ attempt: 2, jitter: 0.5 })).toEqual({ kind: 'retry', delayMs: 1500 });
  });

  it('honours what the failing service asked for (Retry-After), within ten minutes', () => {
    expect(decide({ retryAfterMs: 12_345.2 })).toEqual({ kind: 'retry', delayMs: 12_346 });
    expect(decide({ retryAfterMs: 3_600_000 })).toEqual({ kind: 'retry', delayMs: MAX_RETRY_AFTER_MS });
  });

  it('dead-letters after the kind last attempt, with the failure code of its kind', () => {
    expect(decide({ kind: 'model', attempt: 4 })).toMatchObject({ kind: 'retry' });
    expect(decide({ kind: 'model', attempt: 5 })).toEqual({ kind: 'dead_letter', code: 'model_error' });
    expect(decide({ kind: 'tool', attempt: 4 })).toEqual({ kind: 'dead_letter', code: 'tool_error' });
    expect(decide({ kind: 'internal', attempt: 3 })).toEqual({ kind: 'dead_letter', code: 'internal' });
    expect(decide({ kind: 'network', attempt: 6 })).toEqual({ kind: 'dead_letter', code: 'internal' });
  });

  it('gives up at the consumer max_deliver whatever the rule allows: JetStream would deliver no more', () => {
    expect(decide({ kind: 'network', attempt: 3, maxDeliveries: 3 })).toEqual({ kind: 'dead_letter', code: 'internal' });
    expect(decide({ kind: 'network', attempt: 2, maxDeliveries: 3, retryAfterMs: 100 })).toEqual({ kind: 'retry', delayMs: 100 });
  });
});
