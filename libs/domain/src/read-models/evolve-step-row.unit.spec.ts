import { ShamanEvent } from '@shaman/events';
import { describe, expect, it } from 'vitest';
import { evolveStepRow } from './evolve-step-row.js';
import type { StepRow } from './rows.js';

const ids = {
  orgId: '00000000-0000-4000-8000-000000000001',
  runId: '00000000-0000-4000-8000-000000000002',
  stepId: '00000000-0000-4000-8000-000000000003',
};
const parentStepId = '00000000-0000-4000-8000-000000000009';
const at = (n: number) => `2026-01-01T00:00:${String(n).padStart(2, '0')}.000Z`;
const meta = (n: number) => ({ ...ids, eventId: `00000000-0000-4000-8000-0000000001${String(n).padStart(2, '0')}`, at: at(n) });
/** Fixtures go through the catalog's schema, as every event does at ingress. */
const parse = (raw: object): ShamanEvent => ShamanEvent.parse(raw);
const agent = { name: 'Researcher', repository: '/repo', commit: null };
const message = { messageId: 'm1', role: 'user', parts: [{ kind: 'text', text: 'find it' }] };

const ev = {
  requested: (n: number) => parse({ type: 'RunRequested', data: { agent, message, parentStepId, depth: 1, initiator: { kind: 'agent', id: parentStepId } }, metadata: meta(n) }),
  started: (n: number) => parse({ type: 'StepStarted', data: { agent, model: 'gpt-4o', executorId: 'x1', attempt: 1 }, metadata: meta(n) }),
  resumed: (n: number) => parse({ type: 'StepResumed', data: { executorId: 'x2', attempt: 2 }, metadata: meta(n) }),
  llm: (n: number, iteration: number) => parse({
    type: 'LlmResponded',
    data: {
      iteration, provider: 'openai', model: 'gpt-4o', requestHash: 'a'.repeat(64),
      response: { content: null, toolCalls: [], finishReason: 'stop' }, usage: { inputTokens: 100, outputTokens: 7 }, latencyMs: 3,
    },
    metadata: meta(n),
  }),
  toolCalled: (n: number) => parse({ type: 'ToolCalled', data: { iteration: 0, toolCallId: 'c1', name: 'lookup', arguments: {} }, metadata: meta(n) }),
  toolResulted: (n: number) => parse({ type: 'ToolResulted', data: { toolCallId: 'c1', name: 'lookup', output: 'ok', isError: false, latencyMs: 1 }, metadata: meta(n) }),
  completed: (n: number) => parse({ type: 'StepCompleted', data: { output: { parts: [{ kind: 'text', text: 'done' }] }, usage: { inputTokens: 1, outputTokens: 1 }, iterations: 1 }, metadata: meta(n) }),
  failed: (n: number) => parse({ type: 'StepFailed', data: { error: { code: 'model_error', message: 'boom' } }, metadata: meta(n) }),
  canceled: (n: number) => parse({ type: 'StepCanceled', data: { reason: 'user' }, metadata: meta(n) }),
  inputRequired: (n: number) => parse({ type: 'StepInputRequired', data: { toolCallId: 'c1', prompt: 'Which city?' }, metadata: meta(n) }),
  inputProvided: (n: number) => parse({ type: 'StepInputProvided', data: { message: { messageId: 'm2', role: 'user', parts: [{ kind: 'text', text: 'Paris' }] }, providedBy: { kind: 'api_key', id: 'k1' } }, metadata: meta(n) }),
  cancelRequested: (n: number) => parse({ type: 'RunCancelRequested', data: { requestedBy: { kind: 'user', id: 'u1' } }, metadata: meta(n) }),
};

/** Given events (stream sequence = position + 1), when one more arrives at `seq`, then the row is … */
const given = (...history: ShamanEvent[]) => {
  const before = history.reduce<StepRow | null>((row, e, i) => evolveStepRow(row, e, i + 1), null);
  return {
    before,
    when: (event: ShamanEvent, seq = history.length + 1) => {
      const after = evolveStepRow(before, event, seq);
      return { then: (expected: Partial<StepRow> | null) => (expected === null ? expect(after).toBeNull() : expect(after).toMatchObject(expected)), after };
    },
  };
};

const submitted: StepRow = {
  ...{ orgId: ids.orgId, id: ids.stepId, runId: ids.runId, parentStepId, depth: 1, agent: 'Researcher', model: null },
  initiator: { kind: 'agent', id: parentStepId },
  ...{ status: 'submitted', input: message, output: null, error: null, iterations: 0, llmCalls: 0, toolCalls: 0, inputTokens: 0, outputTokens: 0 },
  ...{ createdAt: at(1), startedAt: null, completedAt: null, updatedAt: at(1), lastSeq: 1 },
  ...{ kind: 'agent', externalUrl: null },
  ...{ attempts: 0, retries: 0, deadLettered: false },
};

describe('evolveStepRow', () => {
  it('creates a submitted row with the request, parent edge, depth and agent from RunRequested', () => {
    expect(given().when(ev.requested(1)).after).toEqual(submitted);
  });

  it('records who asked for the step, and keeps it through later events', () => {
    const apiKeyRequest = parse({ type: 'RunRequested', data: { agent, message, parentStepId: null, depth: 0, initiator: { kind: 'api_key', id: 'k1' } }, metadata: meta(1) });
    given(apiKeyRequest).when(ev.started(2)).then({ initiator: { kind: 'api_key', id: 'k1' }, parentStepId: null, depth: 0 });
    given(apiKeyRequest, ev.started(2), ev.llm(3, 0)).when(ev.completed(4)).then({ status: 'completed', initiator: { kind: 'api_key', id: 'k1' } });
  });

  it('keeps the first request when a second one arrives for the same step', () => {
    const g = given(ev.requested(1));
    expect(g.when(ev.requested(2)).after).toBe(g.before);
  });

  it('returns null for a step event whose row does not exist', () => {
    given().when(ev.started(1)).then(null);
  });

  it('starts working on StepStarted with start time and model', () => {
    given(ev.requested(1)).when(ev.started(2)).then({ status: 'working', startedAt: at(2), model: 'gpt-4o', updatedAt: at(2), lastSeq: 2 });
  });

  it('stays working on StepResumed and keeps the first start time', () => {
    given(ev.requested(1), ev.started(2)).when(ev.resumed(3)).then({ status: 'working', startedAt: at(2), updatedAt: at(3), lastSeq: 3 });
  });

  it('counts model calls, iterations and tokens on LlmResponded', () => {
    given(ev.requested(1), ev.started(2), ev.llm(3, 0))
      .when(ev.llm(4, 1))
      .then({ llmCalls: 2, iterations: 2, inputTokens: 200, outputTokens: 14, lastSeq: 4 });
  });

  it('never lowers iterations when a response repeats an earlier iteration', () => {
    given(ev.requested(1), ev.started(2), ev.llm(3, 2)).when(ev.llm(4, 0)).then({ iterations: 3, llmCalls: 2 });
  });

  it('counts tool calls on ToolCalled and only touches the row on ToolResulted', () => {
    given(ev.requested(1), ev.started(2)).when(ev.toolCalled(3)).then({ toolCalls: 1, lastSeq: 3 });
    given(ev.requested(1), ev.started(2), ev.toolCalled(3)).when(ev.toolResulted(4)).then({ toolCalls: 1, updatedAt: at(4), lastSeq: 4 });
  });

  it('completes with the output and completion time on StepCompleted', () => {
    given(ev.requested(1), ev.started(2), ev.llm(3, 0))
      .when(ev.completed(4))
      .then({ status: 'completed', output: { parts: [{ kind: 'text', text: 'done' }] }, completedAt: at(4), inputTokens: 100, iterations: 1 });
  });

  it('fails with the error on StepFailed', () => {
    given(ev.requested(1), ev.started(2)).when(ev.failed(3)).then({ status: 'failed', error: { code: 'model_error', message: 'boom' }, completedAt: at(3) });
  });

  it('cancels on StepCanceled', () => {
    given(ev.requested(1), ev.started(2)).when(ev.canceled(3)).then({ status: 'canceled', completedAt: at(3), output: null });
  });

  it('leaves the row untouched on RunCancelRequested (the executor decides)', () => {
    const g = given(ev.requested(1), ev.started(2));
    expect(g.when(ev.cancelRequested(3)).after).toBe(g.before);
  });

  describe('input-required', () => {
    const asked = [ev.requested(1), ev.started(2), ev.toolCalled(3), ev.inputRequired(3)] as const;

    it('parks the step in input-required on StepInputRequired', () => {
      given(ev.requested(1), ev.started(2), ev.toolCalled(3)).when(ev.inputRequired(4)).then({ status: 'input-required', updatedAt: at(4), lastSeq: 4 });
    });

    it('stays input-required on StepInputProvided: the executor has not taken the answer yet', () => {
      const g = given(...asked);
      expect(g.when(ev.inputProvided(5)).after).toBe(g.before);
    });

    it('works again on the next executor event, the answer as a tool result', () => {
      given(...asked, ev.inputProvided(5)).when(ev.toolResulted(6)).then({ status: 'working', updatedAt: at(6), lastSeq: 6 });
      given(...asked).when(ev.resumed(5)).then({ status: 'working' });
    });

    it('can be canceled while waiting', () => {
      given(...asked).when(ev.canceled(5)).then({ status: 'canceled', completedAt: at(5) });
    });
  });

  it.each([
    ['completed', ev.completed(3)],
    ['failed', ev.failed(3)],
    ['canceled', ev.canceled(3)],
  ])('ignores every event after the step %s', (_status, terminal) => {
    const g = given(ev.requested(1), ev.started(2), terminal);
    for (const late of [ev.started(4), ev.resumed(4), ev.llm(4, 5), ev.toolCalled(4), ev.toolResulted(4), ev.completed(4), ev.failed(4), ev.canceled(4)]) {
      expect(g.when(late).after).toBe(g.before);
    }
  });

  it('builds the same row whenever the same events are replayed', () => {
    const history = [ev.requested(1), ev.started(2), ev.llm(3, 0), ev.toolCalled(3), ev.toolResulted(4), ev.llm(5, 1), ev.completed(6)];
    expect(given(...history).before).toEqual(given(...history).before);
  });
});
