import type { RunRequested, StepEvent } from '@shaman/events';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../domain-error.js';
import { decide } from './step.decider.js';
import { evolve, initialState, type StepStreamEvent } from './step.state.js';
import { nextAction } from './step.workflow.js';

const meta = { orgId: '00000000-0000-4000-8000-000000000001', runId: '00000000-0000-4000-8000-000000000002', stepId: '00000000-0000-4000-8000-000000000003', eventId: '00000000-0000-4000-8000-000000000004', at: '2026-11-26T10:00:00.000Z' } as StepEvent['metadata'];
const child = '00000000-0000-4000-8000-0000000000c1';
const other = '00000000-0000-4000-8000-0000000000c2';
const agent = { name: 'Boss', repository: '/r', commit: null };
const requested = { type: 'RunRequested', data: { agent, message: { messageId: 'm', role: 'user', parts: [{ kind: 'text', text: 'q' }] }, parentStepId: null, depth: 0, initiator: { kind: 'system', id: 's' } }, metadata: meta } as RunRequested;
const started: StepEvent = { type: 'StepStarted', data: { agent, model: 'm', executorId: 'x', attempt: 1 }, metadata: meta };
const asks = (calls: { id: string; name: string; arguments: Record<string, unknown> }[], iteration = 0): StepEvent => ({
  type: 'LlmResponded',
  data: { iteration, provider: 'p', model: 'm', requestHash: '0'.repeat(64), response: { content: null, toolCalls: calls, finishReason: 'tool_calls' }, usage: { inputTokens: 1, outputTokens: 1 }, latencyMs: 0 },
  metadata: meta,
});
const called = (id: string, name = 'call_agent'): StepEvent => ({ type: 'ToolCalled', data: { iteration: 0, toolCallId: id, name, arguments: {} }, metadata: meta });
const agentCalled = (toolCallId: string, childStepId: string, mode: 'blocking' | 'async'): StepEvent =>
  ({ type: 'AgentCalled', data: { toolCallId, childStepId, agent: 'Worker', mode }, metadata: meta }) as StepEvent;
const ended = (childStepId: string, text = 'built'): StepStreamEvent =>
  ({ type: 'ChildStepEnded', data: { childStepId, agent: 'Worker', outcome: { state: 'completed', text } }, metadata: meta }) as StepStreamEvent;
const stateOf = (events: StepStreamEvent[]) => events.reduce(evolve, initialState());
const next = (events: StepStreamEvent[]) => nextAction(stateOf(events), { maxIterations: 10 });
const c1 = { id: 'c1', name: 'call_agent', arguments: { agent: 'Worker', message: 'build' } };

describe('agent calls: a step parks on its child and resumes with its outcome', () => {
  const blocking = [requested, started, asks([c1]), called('c1'), agentCalled('c1', child, 'blocking')];

  it('waits on a blocking call until the child ends, then delivers its outcome as the call result', () => {
    expect(next(blocking)).toEqual({ kind: 'await_child', toolCallId: 'c1', childStepId: child });
    expect(next([...blocking, ended(child)])).toEqual({ kind: 'deliver_child', toolCallId: 'c1', childStepId: child, agent: 'Worker', outcome: { state: 'completed', text: 'built' } });
  });

  it('keeps an outcome that arrived before the call was recorded (a fast child)', () => {
    const early = [requested, started, asks([c1]), called('c1'), ended(child), agentCalled('c1', child, 'blocking')];
    expect(next(early)).toMatchObject({ kind: 'deliver_child', childStepId: child });
  });

  it('counts only the first outcome of a child', () => {
    const twice = [...blocking, ended(child, 'first'), ended(child, 'second')];
    expect(next(twice)).toMatchObject({ outcome: { state: 'completed', text: 'first' } });
  });

  it('refuses to record a result for a call still waiting on its child, and a second call of the same child', () => {
    const state = stateOf(blocking);
    expect(() => decide({ type: 'RecordToolResult', data: { toolCallId: 'c1', output: 'x', isError: false, latencyMs: 0 }, metadata: { at: meta.at, eventId: meta.eventId } }, state)).toThrow(DomainError);
    const again = stateOf([requested, started, asks([c1, { ...c1, id: 'c2' }]), called('c1'), agentCalled('c1', child, 'blocking'), called('c2')]);
    expect(() => decide({ type: 'RecordAgentCall', data: { toolCallId: 'c2', childStepId: child, agent: 'Worker', mode: 'blocking' }, metadata: { at: meta.at, eventId: meta.eventId } }, again)).toThrow(/already called/);
  });

  it('lets an async call go on at once and a later wait_for_agent park on (or collect) that child', () => {
    const asyncResult: StepEvent = { type: 'ToolResulted', data: { toolCallId: 'c1', name: 'call_agent', output: { taskId: child }, isError: false, latencyMs: 0 }, metadata: meta };
    const fired = [requested, started, asks([{ ...c1, arguments: { ...c1.arguments, async: true } }]), called('c1'), agentCalled('c1', child, 'async'), asyncResult];
    expect(next(fired)).toEqual({ kind: 'call_llm', iteration: 1 });
    const wait = { id: 'w1', name: 'wait_for_agent', arguments: { taskId: child } };
    const waiting = [...fired, asks([wait], 1), called('w1', 'wait_for_agent')];
    const awaited = { type: 'AgentAwaited', data: { toolCallId: 'w1', childStepId: child }, metadata: meta } as StepEvent;
    expect(() => decide({ type: 'AwaitAgent', data: { toolCallId: 'w1', childStepId: other }, metadata: { at: meta.at, eventId: meta.eventId } }, stateOf(waiting))).toThrow(/not a child/);
    expect(next([...waiting, awaited])).toEqual({ kind: 'await_child', toolCallId: 'w1', childStepId: child });
    // The child ended while the model was still thinking: the wait is answered at once.
    expect(next([...fired, ended(child), asks([wait], 1), called('w1', 'wait_for_agent'), awaited])).toMatchObject({ kind: 'deliver_child', toolCallId: 'w1' });
  });

  it('lets a cancel win over waiting', () => {
    const cancel = { type: 'RunCancelRequested', data: { requestedBy: { kind: 'system', id: 's' } }, metadata: meta } as StepStreamEvent;
    expect(next([...blocking, cancel])).toEqual({ kind: 'cancel' });
  });
});
