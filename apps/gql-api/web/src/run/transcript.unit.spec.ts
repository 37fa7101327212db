import { describe, expect, it } from 'vitest';
import type { StepDetail } from '../api/operations';
import { transcriptOf } from './transcript';

const at = (s: number) => new Date(Date.UTC(2026, 10, 1, 0, 0, s)).toISOString();

describe('transcriptOf', () => {
  it('orders input, model answers, the tool calls they asked for, questions, answers and the output by time; an output without time comes last', () => {
    const step: StepDetail = {
      id: 's', agent: 'Weather', model: 'scripted', status: 'WORKING', error: null, durationMs: null, inputTokens: 0, outputTokens: 0, cost: { usd: '0.000000' },
      createdAt: at(0), startedAt: at(0), completedAt: null,
      messages: [
        { role: 'USER', text: 'weather?', message: {}, at: at(0) },
        { role: 'USER', text: 'Oslo', message: {}, at: at(5) },
        { role: 'AGENT', text: 'Weather for Oslo', message: {}, at: null },
      ],
      llmCalls: [
        { iteration: 0, provider: 'scripted', model: 'scripted', content: null, finishReason: 'tool_calls', toolCallCount: 1, inputTokens: 6, outputTokens: 21, latencyMs: 1, cost: null, respondedAt: at(1) },
        { iteration: 1, provider: 'scripted', model: 'scripted', content: 'Weather for Oslo', finishReason: 'stop', toolCallCount: 0, inputTokens: 30, outputTokens: 5, latencyMs: 1, cost: { usd: '0.001250' }, respondedAt: at(6) },
      ],
      toolCalls: [
        { toolCallId: 'c1', name: 'request_user_input', arguments: { prompt: 'Which city?' }, iteration: 0, calledAt: at(1), completed: true, completedAt: at(5), latencyMs: 4000, isError: false, result: 'Oslo', error: null },
      ],
      inputRequests: [{ toolCallId: 'c1', question: 'Which city?', requestedAt: at(1), answered: true, answerText: 'Oslo', answeredAt: at(5) }],
    };
    const entries = transcriptOf(step);
    expect(entries.map((e) => e.kind)).toEqual(['user', 'llm', 'tool', 'question', 'user', 'llm', 'agent']);
    expect(entries[1]!.body).toBe('asked for 1 tool call');
    expect(entries[2]!.body).toContain('"prompt": "Which city?"');
    expect(entries[2]!.body).toContain('→ Oslo');
    expect(entries[3]!.body).toBe('Which city?\n→ Oslo');
    expect(entries[5]!.title).toContain('$0.00125');
  });

  it('shows a failed tool call as an error and a running one as waiting', () => {
    const base = { id: 's', agent: 'A', model: null, status: 'WORKING' as const, error: null, durationMs: null, inputTokens: 0, outputTokens: 0, cost: { usd: '0' }, createdAt: at(0), startedAt: null, completedAt: null, messages: [], llmCalls: [], inputRequests: [] };
    const entries = transcriptOf({
      ...base,
      toolCalls: [
        { toolCallId: 'a', name: 'fetch', arguments: {}, iteration: 0, calledAt: at(1), completed: true, completedAt: at(2), latencyMs: 5, isError: true, result: null, error: 'timeout' },
        { toolCallId: 'b', name: 'fetch', arguments: {}, iteration: 0, calledAt: at(3), completed: false, completedAt: null, latencyMs: null, isError: null, result: null, error: null },
      ],
    });
    expect(entries.map((e) => [e.kind, e.title])).toEqual([['tool-error', 'Tool fetch · 5 ms · error'], ['tool', 'Tool fetch · running']]);
    expect(entries[0]!.body).toContain('→ timeout');
    expect(entries[1]!.body).toContain('→ (waiting)');
  });
});
