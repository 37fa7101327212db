import { DeciderSpecification } from '@event-driven-io/emmett';
import type { RunRequested, StepEvent } from '@shaman/events';
import { describe, it } from 'vitest';
import { DomainError } from '../domain-error.js';
import type { StepCommand } from './step.commands.js';
import { stepDecider } from './step.decider.js';
import type { StepStreamEvent } from './step.state.js';

const ids = { orgId: '00000000-0000-4000-8000-000000000001', runId: '00000000-0000-4000-8000-000000000002', stepId: '00000000-0000-4000-8000-000000000003' };
const at = '2026-11-26T10:00:00.000Z';
const m = (n: number) => ({ ...ids, eventId: `00000000-0000-4000-8000-0000000001${String(n).padStart(2, '0')}`, at }) as StepEvent['metadata'];
const cm = (n: number) => ({ eventId: m(n).eventId, at });
// A pinned commit: emmett 0.42's subset assertion cannot compare null leaves.
const agent = { name: 'Assistant', repository: '/repo', commit: '3f2a9c1' };

const requested: RunRequested = {
  type: 'RunRequested',
  data: { agent, message: { messageId: 'm1', role: 'user', parts: [{ kind: 'text', text: 'hi' }] }, parentStepId: null, depth: 0, initiator: { kind: 'api_key', id: 'k1' } },
  metadata: m(0) as RunRequested['metadata'],
};
const started: StepEvent = { type: 'StepStarted', data: { agent, model: 'scripted', executorId: 'x1', attempt: 1 }, metadata: m(1) };
const llm = (n: number, iteration: number, toolCalls: { id: string; name: string; arguments: Record<string, unknown> }[] = []): StepEvent => ({
  type: 'LlmResponded',
  data: {
    iteration,
    provider: 'scripted',
    model: 'scripted',
    requestHash: 'a'.repeat(64),
    response: { content: toolCalls.length ? null : 'hello', toolCalls, finishReason: toolCalls.length ? 'tool_calls' : 'stop' },
    usage: { inputTokens: 10, outputTokens: 3 },
    latencyMs: 1,
  },
  metadata: m(n),
});
const call = { id: 'call_0_0', name: 'lookup', arguments: { q: 'x' } };

const given = DeciderSpecification.for<StepCommand, StepStreamEvent, ReturnType<typeof stepDecider.initialState>>(stepDecider);
const isCode = (code: string) => (e: Error) => e instanceof DomainError && e.code === code;

describe('step decider', () => {
  it('claims a requested step', () =>
    given([requested])
      .when({ type: 'ClaimStep', data: { executorId: 'x1', attempt: 1, model: 'scripted' }, metadata: cm(1) })
      .then([started]));

  it('refuses to claim a step twice', () =>
    given([requested, started])
      .when({ type: 'ClaimStep', data: { executorId: 'x2', attempt: 2, model: 'scripted' }, metadata: cm(2) })
      .thenThrows(isCode('step.already_claimed')));

  it('refuses to claim a step nobody requested', () =>
    given([]).when({ type: 'ClaimStep', data: { executorId: 'x1', attempt: 1, model: 'scripted' }, metadata: cm(1) }).thenThrows(isCode('step.not_requested')));

  it('records a model response for the expected iteration only', () => {
    const data = (llm(2, 0) as Extract<StepEvent, { type: 'LlmResponded' }>).data;
    given([requested, started]).when({ type: 'RecordLlmResponse', data, metadata: cm(2) }).then([llm(2, 0)]);
    given([requested, started, llm(2, 0, [call])])
      .when({ type: 'RecordLlmResponse', data, metadata: cm(3) })
      .thenThrows(isCode('step.iteration_mismatch'));
  });

  it('records a tool call and its result only for calls the model asked for', () => {
    given([requested, started, llm(2, 0, [call])])
      .when({ type: 'RecordToolCall', data: { iteration: 0, call }, metadata: cm(3) })
      .then([{ type: 'ToolCalled', data: { iteration: 0, toolCallId: call.id, name: call.name, arguments: call.arguments }, metadata: m(3) }]);
    given([requested, started, llm(2, 0, [call])])
      .when({ type: 'RecordToolResult', data: { toolCallId: 'nope', output: 1, isError: false, latencyMs: 1 }, metadata: cm(3) })
      .thenThrows(isCode('step.unknown_tool_call'));
  });

  it('completes with the final answer and the summed usage', () =>
    given([requested, started, llm(2, 0, [call]), llm(3, 1)])
      .when({ type: 'CompleteStep', data: {}, metadata: cm(4) })
      .then([{ type: 'StepCompleted', data: { output: { parts: [{ kind: 'text', text: 'hello' }] }, usage: { inputTokens: 20, outputTokens: 6 }, iterations: 2 }, metadata: m(4) }]));

  it('will not complete while tool calls are outstanding', () =>
    given([requested, started, llm(2, 0, [call])]).when({ type: 'CompleteStep', data: {}, metadata: cm(3) }).thenThrows(isCode('step.not_finished')));

  it('keeps terminal states final', () => {
    const failed: StepEvent = { type: 'StepFailed', data: { error: { code: 'model_error', message: 'x' } }, metadata: m(2) };
    given([requested, started, failed]).when({ type: 'CancelStep', data: {}, metadata: cm(3) }).thenThrows(isCode('step.terminal'));
    given([requested, started, failed]).when({ type: 'FailStep', data: { code: 'internal', message: 'again' }, metadata: cm(3) }).thenThrows(isCode('step.terminal'));
  });

  it('cancels a step that was requested but never started', () =>
    given([requested]).when({ type: 'CancelStep', data: { reason: 'user' }, metadata: cm(1) }).then([{ type: 'StepCanceled', data: { reason: 'user' }, metadata: m(1) }]));

  describe('run data', () => {
    const data = { key: 'report/summary', value: { ok: true, n: 2 }, tags: ['final'], agent: 'Assistant' };
    const recordRunData = (n: number): StepCommand => ({ type: 'RecordRunData', data, metadata: cm(n) });

    it('records a write while the step is working, even between a tool call and its result', () =>
      given([requested, started, llm(2, 0, [call])]).when(recordRunData(3)).then([{ type: 'RunDataWritten', data, metadata: m(3) }]));

    it('refuses a write before the step is claimed', () => given([requested]).when(recordRunData(1)).thenThrows(isCode('step.not_working')));

    it('refuses a write once the step is terminal', () => {
      const canceled: StepEvent = { type: 'StepCanceled', data: {}, metadata: m(2) };
      given([requested, started, canceled]).when(recordRunData(3)).thenThrows(isCode('step.terminal'));
    });
  });

  describe('request_user_input', () => {
    const ask = { id: 'call_0_0', name: 'request_user_input', arguments: { prompt: 'Which city?' } };
    const toolCalled: StepEvent = { type: 'ToolCalled', data: { iteration: 0, toolCallId: ask.id, name: ask.name, arguments: ask.arguments }, metadata: m(3) };
    const inputRequired: StepEvent = { type: 'StepInputRequired', data: { toolCallId: ask.id, prompt: 'Which city?' }, metadata: m(4) };
    const provided = {
      type: 'StepInputProvided',
      data: { message: { messageId: 'm2', role: 'user', parts: [{ kind: 'text', text: 'Paris' }] }, providedBy: { kind: 'api_key', id: 'k1' } },
      metadata: m(50),
    } as StepStreamEvent;
    const requestInput = (n: number, toolCallId = ask.id): StepCommand => ({ type: 'RequestInput', data: { toolCallId, prompt: 'Which city?' }, metadata: cm(n) });
    const answer = (n: number): StepCommand => ({ type: 'RecordToolResult', data: { toolCallId: ask.id, output: 'Paris', isError: false, latencyMs: 0 }, metadata: cm(n) });

    it('asks for input on a recorded request_user_input call', () => given([requested, started, llm(2, 0, [ask]), toolCalled]).when(requestInput(4)).then([inputRequired]));

    it('refuses to ask for a call that was not recorded, or twice', () => {
      given([requested, started, llm(2, 0, [ask])]).when(requestInput(3)).thenThrows(isCode('step.unknown_tool_call'));
      given([requested, started, llm(2, 0, [ask]), toolCalled]).when(requestInput(4, 'other')).thenThrows(isCode('step.unknown_tool_call'));
      given([requested, started, llm(2, 0, [ask]), toolCalled, inputRequired]).when(requestInput(5)).thenThrows(isCode('step.awaiting_input'));
    });

    it('will not answer the call before a person has', () =>
      given([requested, started, llm(2, 0, [ask]), toolCalled, inputRequired]).when(answer(5)).thenThrows(isCode('step.awaiting_input')));

    it('answers the call with the provided text once input arrived', () =>
      given([requested, started, llm(2, 0, [ask]), toolCalled, inputRequired, provided])
        .when(answer(5))
        .then([{ type: 'ToolResulted', data: { toolCallId: ask.id, name: ask.name, output: 'Paris', isError: false, latencyMs: 0 }, metadata: m(5) }]));

    it('cancels a step that waits for input', () =>
      given([requested, started, llm(2, 0, [ask]), toolCalled, inputRequired]).when({ type: 'CancelStep', data: {}, metadata: cm(5) }).then([{ type: 'StepCanceled', data: {}, metadata: m(5) }]));
  });
});
