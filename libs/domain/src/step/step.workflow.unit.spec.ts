import type { RunRequested, StepEvent } from '@shaman/events';
import { describe, expect, it } from 'vitest';
import { evolve, initialState, type StepStreamEvent } from './step.state.js';
import { nextAction } from './step.workflow.js';

const meta = { orgId: '00000000-0000-4000-8000-000000000001', runId: '00000000-0000-4000-8000-000000000002', stepId: '00000000-0000-4000-8000-000000000003', eventId: '00000000-0000-4000-8000-000000000004', at: '2026-11-26T10:00:00.000Z' } as StepEvent['metadata'];
const agent = { name: 'A', repository: '/r', commit: null };
const requested = { type: 'RunRequested', data: { agent, message: { messageId: 'm', role: 'user', parts: [{ kind: 'text', text: 'q' }] }, parentStepId: null, depth: 0, initiator: { kind: 'system', id: 's' } }, metadata: meta } as RunRequested;
const started: StepEvent = { type: 'StepStarted', data: { agent, model: 'm', executorId: 'x', attempt: 1 }, metadata: meta };
const response = (toolCalls: { id: string; name: string; arguments: Record<string, unknown> }[], iteration = 0): StepEvent => ({
  type: 'LlmResponded',
  data: { iteration, provider: 'p', model: 'm', requestHash: '0'.repeat(64), response: { content: toolCalls.length ? null : 'done', toolCalls, finishReason: 'stop' }, usage: { inputTokens: 1, outputTokens: 1 }, latencyMs: 0 },
  metadata: meta,
});
const call = { id: 'c1', name: 't', arguments: {} };
const stateOf = (events: StepStreamEvent[]) => events.reduce(evolve, initialState());
const next = (events: StepStreamEvent[], maxIterations = 10) => nextAction(stateOf(events), { maxIterations });

describe('step workflow: the next action is a function of the log', () => {
  it('claims, then asks the model', () => {
    expect(next([requested])).toEqual({ kind: 'claim' });
    expect(next([requested, started])).toEqual({ kind: 'call_llm', iteration: 0 });
  });

  it('after a tool-calling response, calls the tool; a recorded call without result is invoked again', () => {
    expect(next([requested, started, response([call])])).toEqual({ kind: 'call_tool', call, iteration: 0, alreadyRecorded: false });
    const toolCalled: StepEvent = { type: 'ToolCalled', data: { iteration: 0, toolCallId: 'c1', name: 't', arguments: {} }, metadata: meta };
    expect(next([requested, started, response([call]), toolCalled])).toMatchObject({ kind: 'call_tool', alreadyRecorded: true });
  });

  it('after every tool result, asks the model again; never re-asks a recorded response', () => {
    const result: StepEvent = { type: 'ToolResulted', data: { toolCallId: 'c1', name: 't', output: 'ok', isError: false, latencyMs: 1 }, metadata: meta };
    expect(next([requested, started, response([call]), result])).toEqual({ kind: 'call_llm', iteration: 1 });
    expect(next([requested, started, response([call]), result, response([], 1)])).toEqual({ kind: 'complete' });
  });

  it('fails when iterations run out', () => {
    const result: StepEvent = { type: 'ToolResulted', data: { toolCallId: 'c1', name: 't', output: 'ok', isError: false, latencyMs: 1 }, metadata: meta };
    expect(next([requested, started, response([call]), result], 1)).toMatchObject({ kind: 'fail', code: 'max_iterations' });
  });

  it('cancels when asked, before or after the claim, and is done once terminal', () => {
    const cancel = { type: 'RunCancelRequested', data: { requestedBy: { kind: 'system', id: 's' } }, metadata: meta } as StepStreamEvent;
    expect(next([cancel, requested])).toEqual({ kind: 'cancel' });
    expect(next([requested, started, cancel])).toEqual({ kind: 'cancel' });
    const canceled: StepEvent = { type: 'StepCanceled', data: {}, metadata: meta };
    expect(next([requested, started, cancel, canceled])).toEqual({ kind: 'done' });
    expect(next([])).toEqual({ kind: 'ignore', reason: 'not_requested' });
  });

  describe('request_user_input', () => {
    const ask = { id: 'c1', name: 'request_user_input', arguments: { prompt: 'Which city?' } };
    const toolCalled: StepEvent = { type: 'ToolCalled', data: { iteration: 0, toolCallId: 'c1', name: ask.name, arguments: ask.arguments }, metadata: meta };
    const inputRequired: StepEvent = { type: 'StepInputRequired', data: { toolCallId: 'c1', prompt: 'Which city?' }, metadata: meta };
    const provided = (text: string) =>
      ({ type: 'StepInputProvided', data: { message: { messageId: text, role: 'user', parts: [{ kind: 'text', text }] }, providedBy: { kind: 'api_key', id: 'k' } }, metadata: meta }) as StepStreamEvent;
    const asked = [requested, started, response([ask]), toolCalled, inputRequired];

    it('awaits input while nobody has answered', () => {
      expect(next(asked)).toEqual({ kind: 'await_input' });
    });

    it('delivers the first answer as the result of the waiting call', () => {
      expect(next([...asked, provided('Paris'), provided('Rome')])).toEqual({ kind: 'deliver_input', toolCallId: 'c1', text: 'Paris' });
    });

    it('ignores input nobody asked for', () => {
      expect(next([requested, started, provided('Paris')])).toEqual({ kind: 'call_llm', iteration: 0 });
    });

    it('asks the model again once the answer is recorded', () => {
      const answered: StepEvent = { type: 'ToolResulted', data: { toolCallId: 'c1', name: ask.name, output: 'Paris', isError: false, latencyMs: 0 }, metadata: meta };
      expect(next([...asked, provided('Paris'), answered])).toEqual({ kind: 'call_llm', iteration: 1 });
    });

    it('cancel wins over waiting and over a delivered answer', () => {
      const cancel = { type: 'RunCancelRequested', data: { requestedBy: { kind: 'system', id: 's' } }, metadata: meta } as StepStreamEvent;
      expect(next([...asked, cancel])).toEqual({ kind: 'cancel' });
      expect(next([...asked, provided('Paris'), cancel])).toEqual({ kind: 'cancel' });
    });
  });
});
