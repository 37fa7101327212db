import type { RunRequested, StepEvent } from '@shaman/events';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../domain-error.js';
import { evolve, initialState, type Step } from '../step/step.state.js';
import type { ExternalCallCommand } from './external-call.commands.js';
import { decideExternalCall, EXTERNAL_MODEL } from './external-call.decider.js';

const ids = { orgId: '00000000-0000-4000-8000-000000000001', runId: '00000000-0000-4000-8000-000000000002', stepId: '00000000-0000-4000-8000-000000000003' };
const at = '2026-11-26T10:00:00.000Z';
const m = (n: number) => ({ ...ids, eventId: `00000000-0000-4000-8000-0000000001${String(n).padStart(2, '0')}`, at }) as StepEvent['metadata'];
const cm = (n: number) => ({ eventId: m(n).eventId, at });
const agent = { name: 'Partner', repository: '/repo', commit: null };

const requested: RunRequested = {
  type: 'RunRequested',
  data: {
    agent,
    message: { messageId: ids.stepId, role: 'user', parts: [{ kind: 'text', text: 'hi' }] },
    parentStepId: '00000000-0000-4000-8000-000000000009' as RunRequested['data']['parentStepId'],
    depth: 1,
    initiator: { kind: 'agent', id: '00000000-0000-4000-8000-000000000009' },
    external: { url: 'https://partner.example/a2a', protocolVersion: '1.0' },
  },
  metadata: m(0) as RunRequested['metadata'],
};

const fold = (...events: (RunRequested | StepEvent)[]): Step => events.reduce<Step>((s, e) => evolve(s, e), initialState());
const start: ExternalCallCommand = { type: 'StartExternalCall', data: { executorId: 'x1' }, metadata: cm(1) };
const refusal = (command: ExternalCallCommand, step: Step): string => {
  try {
    decideExternalCall(command, step);
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return 'accepted';
};

describe('external call decider', () => {
  it('starts a requested node as the one attempt of model "external", for the requested agent', () => {
    expect(decideExternalCall(start, fold(requested))).toEqual({
      type: 'StepStarted',
      data: { agent, model: EXTERNAL_MODEL, executorId: 'x1', attempt: 1 },
      metadata: m(1),
    });
  });

  it('completes a started node with the answer as one text part, no tokens and no iterations', () => {
    const started = decideExternalCall(start, fold(requested));
    const done = decideExternalCall({ type: 'CompleteExternalCall', data: { text: 'echo: hi' }, metadata: cm(2) }, fold(requested, started));
    expect(done).toEqual({
      type: 'StepCompleted',
      data: { output: { parts: [{ kind: 'text', text: 'echo: hi' }] }, usage: { inputTokens: 0, outputTokens: 0 }, iterations: 0 },
      metadata: m(2),
    });
  });

  it('fails or cancels a node whether or not it started', () => {
    const started = decideExternalCall(start, fold(requested));
    const failure: ExternalCallCommand = { type: 'FailExternalCall', data: { code: 'tool_error', message: 'refused' }, metadata: cm(2) };
    expect(decideExternalCall(failure, fold(requested))).toMatchObject({ type: 'StepFailed', data: { error: { code: 'tool_error', message: 'refused' } } });
    expect(decideExternalCall(failure, fold(requested, started))).toMatchObject({ type: 'StepFailed', metadata: m(2) });
    const cancel: ExternalCallCommand = { type: 'CancelExternalCall', data: { reason: 'caller canceled' }, metadata: cm(2) };
    expect(decideExternalCall(cancel, fold(requested, started))).toMatchObject({ type: 'StepCanceled', data: { reason: 'caller canceled' } });
  });

  it('refuses what the log does not allow: no request, a second start, an answer before the start, anything after the end', () => {
    const started = decideExternalCall(start, fold(requested));
    const complete: ExternalCallCommand = { type: 'CompleteExternalCall', data: { text: 'x' }, metadata: cm(2) };
    const ended = decideExternalCall(complete, fold(requested, started));
    expect(refusal(start, initialState())).toBe('step.not_requested');
    expect(refusal(start, fold(requested, started))).toBe('step.already_claimed');
    expect(refusal(complete, fold(requested))).toBe('step.not_working');
    expect(refusal(complete, fold(requested, started, ended))).toBe('step.terminal');
    expect(refusal({ type: 'CancelExternalCall', data: { reason: 'r' }, metadata: cm(3) }, fold(requested, started, ended))).toBe('step.terminal');
  });
});
