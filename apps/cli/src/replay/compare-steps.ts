import type { StepEvent } from '@shaman/events';

/** Where a re-executed step first differs from its recording. */
export type Divergence = { stepId: string; agent: string; position: number; what: string; expected: unknown; actual: unknown };

/*
 * What a re-execution must reproduce: every decision the step loop records, in order. Left out: time, latency,
 * which executor claimed or resumed the step (StepResumed marks a crash or a parked step, not a decision), and
 * the price of a call (a newer price table is not a different run).
 */
const decision = (event: StepEvent): unknown => {
  switch (event.type) {
    case 'StepStarted':
      return { type: event.type, agent: event.data.agent, model: event.data.model };
    // Whether the answer came from the response cache is how it was had, not what it was (as latency is).
    case 'LlmResponded': {
      const { latencyMs: _, cache: _c, ...data } = event.data;
      return { type: event.type, ...data };
    }
    case 'ToolResulted': {
      const { latencyMs: _, ...data } = event.data;
      return { type: event.type, ...data };
    }
    case 'UsageRecorded': {
      const { costMicros: _c, priceTable: _p, ...data } = event.data;
      return { type: event.type, ...data };
    }
    // A retry follows a transient failure (an outage), not a decision of the loop; re-execution meets none.
    case 'StepResumed':
    case 'StepRetryScheduled':
      return null;
    case 'ToolCalled':
    case 'StepInputRequired':
    case 'StepCompleted':
    case 'StepFailed':
    case 'StepCanceled':
    case 'RunDataWritten':
    case 'AgentCalled':
    case 'AgentAwaited':
    case 'StepDeadLettered':
    case 'ToolsOffered':
      return { type: event.type, ...event.data };
  }
};

const decisions = (events: readonly StepEvent[]): unknown[] => events.map(decision).filter((d) => d !== null);

// Canonical JSON (sorted keys), so two equal decisions built in a different key order compare equal.
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );

const describe = (expected: unknown, actual: unknown): string => {
  const e = expected as { type?: string; iteration?: number; requestHash?: string } | undefined;
  const a = actual as { type?: string; requestHash?: string } | undefined;
  if (e === undefined) return `an extra ${a?.type ?? 'event'} the recording does not have`;
  if (a === undefined) return `the recording's ${e.type ?? 'event'} was not reproduced`;
  if (e.type === 'LlmResponded' && a.type === 'LlmResponded' && e.requestHash !== a.requestHash) return `model call #${e.iteration ?? '?'}: the request differs`;
  return e.type === a.type ? `${e.type} differs` : `expected ${e.type ?? '?'}, got ${a.type ?? '?'}`;
};

/** The first decision where a step's re-execution differs from its recording; null when they agree throughout. */
export const firstDivergence = (input: { stepId: string; agent: string; recorded: readonly StepEvent[]; replayed: readonly StepEvent[] }): Divergence | null => {
  // A recording made before ToolsOffered existed never has one: what it offered shows only in the request hash.
  const offers = input.recorded.some((e) => e.type === 'ToolsOffered');
  const expected = decisions(input.recorded);
  const actual = decisions(offers ? input.replayed : input.replayed.filter((e) => e.type !== 'ToolsOffered'));
  for (let i = 0; i < Math.max(expected.length, actual.length); i += 1) {
    if (canonical(expected[i]) === canonical(actual[i])) continue;
    return { stepId: input.stepId, agent: input.agent, position: i, what: describe(expected[i], actual[i]), expected: expected[i] ?? null, actual: actual[i] ?? null };
  }
  return null;
};
