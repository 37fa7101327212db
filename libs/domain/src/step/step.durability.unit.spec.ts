import type { RunRequested, StepEvent } from '@shaman/events';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../domain-error.js';
import { decide } from './step.decider.js';
import { evolve, initialState, type StepStreamEvent } from './step.state.js';
import { nextAction } from './step.workflow.js';

const meta = { orgId: '00000000-0000-4000-8000-000000000001', runId: '00000000-0000-4000-8000-000000000002', stepId: '00000000-0000-4000-8000-000000000003', eventId: '00000000-0000-4000-8000-000000000004', at: '2026-11-26T10:00:00.000Z' } as StepEvent['metadata'];
const agent = { name: 'A', repository: '/r', commit: null };
const requested = { type: 'RunRequested', data: { agent, message: { messageId: 'm', role: 'user', parts: [{ kind: 'text', text: 'q' }] }, parentStepId: null, depth: 0, initiator: { kind: 'system', id: 's' } }, metadata: meta } as RunRequested;
const started: StepEvent = { type: 'StepStarted', data: { agent, model: 'm', executorId: 'x', attempt: 1 }, metadata: meta };
const deadline = (scope: 'step' | 'run', timeoutMs = 1000) => ({ type: 'StepDeadlineExceeded', data: { scope, timeoutMs, deadline: meta.at }, metadata: meta }) as StepStreamEvent;
const retried: StepEvent = { type: 'StepRetryScheduled', data: { attempt: 1, kind: 'model', delayMs: 700, error: '503' }, metadata: meta };
const stateOf = (events: StepStreamEvent[]) => events.reduce(evolve, initialState());
const next = (events: StepStreamEvent[]) => nextAction(stateOf(events), { maxIterations: 10 });
const command = { at: meta.at, eventId: meta.eventId };

describe('deadlines in the step log (issue 7)', () => {
  it('a passed deadline fails the step with timeout, claimed or not, naming which deadline', () => {
    expect(next([requested, started, deadline('step', 1500)])).toEqual({ kind: 'fail', code: 'timeout', message: 'the step deadline of 1500 ms passed' });
    expect(next([requested, deadline('run', 60_000)])).toEqual({ kind: 'fail', code: 'timeout', message: 'the run deadline of 60000 ms passed' });
  });

  it('the first deadline counts, and it survives the claim', () => {
    expect(next([requested, deadline('run'), started, deadline('step')])).toMatchObject({ kind: 'fail', message: 'the run deadline of 1000 ms passed' });
  });

  it('a deadline after the step ended changes nothing', () => {
    const failed: StepEvent = { type: 'StepFailed', data: { error: { code: 'model_error', message: 'x' } }, metadata: meta };
    expect(next([requested, started, failed, deadline('step')])).toEqual({ kind: 'done' });
  });

  it('a cancel without a deadline is still a cancel', () => {
    const cancel = { type: 'RunCancelRequested', data: { requestedBy: { kind: 'system', id: 's' } }, metadata: meta } as StepStreamEvent;
    expect(next([requested, started, cancel])).toEqual({ kind: 'cancel' });
  });
});

describe('retries and dead letters in the step log (issue 7)', () => {
  it('a scheduled retry leaves the conversation as it was', () => {
    expect(stateOf([requested, started, retried])).toEqual(stateOf([requested, started]));
    expect(next([requested, retried])).toEqual({ kind: 'claim' });
  });

  it('records retries and the dead letter for an open step, claimed or not', () => {
    const data = { attempt: 2, kind: 'network' as const, delayMs: 500, error: 'ECONNRESET' };
    expect(decide({ type: 'ScheduleRetry', data, metadata: command }, stateOf([requested]))).toMatchObject({ type: 'StepRetryScheduled', data });
    const dead = { attempts: 5, kind: 'model' as const, error: '503' };
    expect(decide({ type: 'DeadLetterStep', data: dead, metadata: command }, stateOf([requested, started]))).toMatchObject({ type: 'StepDeadLettered', data: dead, metadata: { stepId: meta.stepId } });
  });

  it('refuses both for a step that has ended or was never requested', () => {
    const completed: StepEvent = { type: 'StepCanceled', data: {}, metadata: meta };
    const retry = { type: 'ScheduleRetry', data: { attempt: 1, kind: 'tool', delayMs: 1, error: 'x' }, metadata: command } as const;
    expect(() => decide(retry, stateOf([requested, started, completed]))).toThrow(DomainError);
    expect(() => decide({ type: 'DeadLetterStep', data: { attempts: 1, kind: 'tool', error: 'x' }, metadata: command }, initialState())).toThrow('step.not_requested');
  });
});
