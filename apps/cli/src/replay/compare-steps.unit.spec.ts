import type { StepEvent } from '@shaman/events';
import { describe, expect, it } from 'vitest';
import { firstDivergence } from './compare-steps.js';

const meta = (at: string) => ({ eventId: 'e', orgId: 'o', runId: 'r', stepId: 's', at }) as unknown as StepEvent['metadata'];
const started = (executorId: string): StepEvent => ({ type: 'StepStarted', data: { agent: { name: 'A', repository: '/r', commit: null }, model: 'm', executorId, attempt: 1 }, metadata: meta('2026-01-01T00:00:00Z') }) as StepEvent;
const llm = (hash: string, latencyMs: number): StepEvent =>
  ({ type: 'LlmResponded', data: { iteration: 0, provider: 'p', model: 'm', requestHash: hash, response: { content: 'hi', toolCalls: [], finishReason: 'stop' }, usage: { inputTokens: 1, outputTokens: 1 }, latencyMs }, metadata: meta('2026-01-02T00:00:00Z') }) as StepEvent;
const resumed: StepEvent = { type: 'StepResumed', data: { executorId: 'x', attempt: 2 }, metadata: meta('2026-01-01T00:00:01Z') } as StepEvent;
const offered = (...names: string[]): StepEvent => ({ type: 'ToolsOffered', data: { tools: names.map((name) => ({ name, description: name, inputSchema: {} })) }, metadata: meta('2026-01-01T00:00:02Z') }) as StepEvent;
const cached = (event: StepEvent): StepEvent => ({ ...event, data: { ...event.data, cache: { hit: true, key: 'k', storedAt: '2026-01-01T00:00:00Z' } } }) as StepEvent;
const input = (recorded: StepEvent[], replayed: StepEvent[]) => firstDivergence({ stepId: 's', agent: 'A', recorded, replayed });

describe('firstDivergence', () => {
  it('ignores time, latency, the executor and resumptions', () => {
    expect(input([started('x1'), resumed, llm('a'.repeat(64), 5)], [started('x2'), llm('a'.repeat(64), 900)])).toBeNull();
  });
  it('names a model call whose request differs', () => {
    expect(input([started('x'), llm('a'.repeat(64), 1)], [started('x'), llm('b'.repeat(64), 1)])).toMatchObject({ position: 1, what: 'model call #0: the request differs' });
  });
  it('names a decision that was not reproduced, and one the recording does not have', () => {
    expect(input([started('x'), llm('a'.repeat(64), 1)], [started('x')])).toMatchObject({ position: 1, what: "the recording's LlmResponded was not reproduced" });
    expect(input([started('x')], [started('x'), llm('a'.repeat(64), 1)])).toMatchObject({ position: 1, what: 'an extra LlmResponded the recording does not have' });
  });
  it('compares what the model was offered, unless the recording predates ToolsOffered', () => {
    expect(input([started('x'), offered('a', 'b'), llm('a'.repeat(64), 1)], [started('x'), offered('a'), llm('a'.repeat(64), 1)])).toMatchObject({ position: 1, what: 'ToolsOffered differs' });
    expect(input([started('x'), llm('a'.repeat(64), 1)], [started('x'), offered('a'), llm('a'.repeat(64), 1)])).toBeNull();
  });
  it('does not tell a cached answer from the same answer asked again', () => {
    expect(input([started('x'), cached(llm('a'.repeat(64), 1))], [started('x'), llm('a'.repeat(64), 1)])).toBeNull();
  });
});
