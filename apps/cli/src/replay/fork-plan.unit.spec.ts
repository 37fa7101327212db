import type { ShamanEvent } from '@shaman/events';
import { deterministicId } from '@shaman/platform';
import { describe, expect, it } from 'vitest';
import { diffRuns } from './diff-runs.js';
import { planFork } from './fork-plan.js';
import type { RecordedEvent } from './run-recording.js';

const ORG = '00000000-0000-4000-8000-000000000001';
const RUN = '00000000-0000-4000-8000-000000000002';
const STEP = '00000000-0000-4000-8000-000000000003';
const NEW = { runId: '00000000-0000-4000-8000-0000000000a1', stepId: '00000000-0000-4000-8000-0000000000a2' };
const at = '2026-01-01T00:00:00.000Z';
const meta = (n: number, stepId = STEP, runId = RUN) => ({ eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, orgId: ORG, runId, stepId, at });
const agent = { name: 'Looper', repository: '/repo', commit: 'abc' };
const usage = { inputTokens: 10, outputTokens: 2 };
const answer = (iteration: number, content: string | null, n: number): ShamanEvent =>
  ({ type: 'LlmResponded', data: { iteration, provider: 'scripted', model: 'scripted', requestHash: String(iteration).repeat(64), response: { content, toolCalls: content === null ? [{ id: `call_${iteration}_0`, name: 'lookup', arguments: {} }] : [], finishReason: content === null ? 'tool_calls' : 'stop' }, usage, latencyMs: 5 }, metadata: meta(n) }) as ShamanEvent;
const priced = (iteration: number, n: number): ShamanEvent =>
  ({ type: 'UsageRecorded', data: { iteration, provider: 'scripted', model: 'scripted', agent: 'Looper', ...usage, costMicros: 3, priceTable: 'x' }, metadata: meta(n) }) as ShamanEvent;

// seq: 1 request | 2 claim | 3 answer #0 + usage | 4 tool call | 5 tool result | 6 resumed | 7 answer #1 + usage + completion
const recording = (runId = RUN, stepId = STEP): RecordedEvent[] => {
  const commits: ShamanEvent[][] = [
    [{ type: 'RunRequested', data: { agent, message: { messageId: 'm', role: 'user', parts: [{ kind: 'text', text: 'go' }] }, parentStepId: null, depth: 0, initiator: { kind: 'system', id: 't' } }, metadata: meta(1) } as ShamanEvent],
    [{ type: 'StepStarted', data: { agent, model: 'scripted', executorId: 'x1', attempt: 1 }, metadata: meta(2) } as ShamanEvent],
    [answer(0, null, 3), priced(0, 4)],
    [{ type: 'ToolCalled', data: { iteration: 0, toolCallId: 'call_0_0', name: 'lookup', arguments: {} }, metadata: meta(5) } as ShamanEvent],
    [{ type: 'ToolResulted', data: { toolCallId: 'call_0_0', name: 'lookup', output: 'found', isError: false, latencyMs: 1 }, metadata: meta(6) } as ShamanEvent],
    [{ type: 'StepResumed', data: { executorId: 'x2', attempt: 2 }, metadata: meta(7) } as ShamanEvent],
    [answer(1, 'done', 8), priced(1, 9), { type: 'StepCompleted', data: { output: { parts: [{ kind: 'text', text: 'done' }] }, usage, iterations: 2 }, metadata: meta(10) } as ShamanEvent],
  ];
  return commits.flatMap((events, i) =>
    events.map((e, index) => {
      const event = { ...e, metadata: { ...e.metadata, runId, stepId } } as ShamanEvent;
      return { seq: i + 1, index, subject: `p.${i === 0 ? 'req' : 'evt'}.${ORG}.${runId}.${stepId}`, time: new Date(at), raw: event, event, lifecycle: null };
    }),
  );
};
const fork = (cut: Parameters<typeof planFork>[1]['cut'], overrides = {}) => planFork(recording(), { cut, ...NEW, at, overrides, initiator: { kind: 'system', id: 'shaman-fork' } });

describe('planFork', () => {
  it('copies the step before the cut, re-addressed with the ids the executor would give, without usage, resumptions or endings', () => {
    const result = fork({ kind: 'seq', seq: 7 });
    if (!result.ok) throw new Error(result.message);
    const { request, prefix } = result.plan;
    expect(prefix.map((c) => c.map((e) => e.type))).toEqual([['StepStarted'], ['LlmResponded'], ['ToolCalled'], ['ToolResulted']]);
    expect(prefix.flat().map((e) => e.metadata)).toEqual([0, 1, 2, 3].map((i) => ({ orgId: ORG, ...NEW, at, eventId: deterministicId(NEW.stepId, 'evt', i) })));
    expect(request.data).toMatchObject({ agent, parentStepId: null, depth: 0, forkedFrom: { runId: RUN, stepId: STEP, seq: 7, prefixEvents: 4 } });
    expect(request.data.overrides).toBeUndefined();
  });

  it('forks at a step id from its start, and carries the overrides onto the claim', () => {
    const atStep = fork({ kind: 'step', stepId: STEP });
    expect(atStep.ok && atStep.plan.prefix).toEqual([]);
    expect(atStep.ok && atStep.plan.request.data.forkedFrom).toEqual({ runId: RUN, stepId: STEP, seq: 1, prefixEvents: 0 });
    const withModel = fork({ kind: 'seq', seq: 3 }, { model: 'other', systemPrompt: 'Be brief.' });
    expect(withModel.ok && withModel.plan.prefix.flat()).toMatchObject([{ type: 'StepStarted', data: { model: 'other', agent } }]);
    expect(withModel.ok && withModel.plan.request.data.overrides).toEqual({ model: 'other', systemPrompt: 'Be brief.' });
  });

  it('refuses a cut that is not in the run', () => {
    expect(fork({ kind: 'seq', seq: 99 })).toEqual({ ok: false, message: expect.stringContaining('event seq 99 is not one of this run') });
    expect(fork({ kind: 'step', stepId: NEW.stepId })).toEqual({ ok: false, message: `step ${NEW.stepId} is not a step of this run` });
  });
});

describe('diffRuns', () => {
  it('finds two recordings of the same decisions identical, whatever their ids, executors and costs', () => {
    const other = recording(NEW.runId, NEW.stepId).filter((e) => e.event?.type !== 'StepResumed' && e.event?.type !== 'UsageRecorded');
    expect(diffRuns(recording(), other)).toMatchObject({ identical: true, firstDivergence: null, steps: [{ path: '1', identical: true, a: { modelCalls: 2, output: 'done', costMicros: 6 }, b: { costMicros: 0 } }] });
  });

  it('names the first differing decision', () => {
    const other = recording(NEW.runId, NEW.stepId).map((e) => (e.event?.type === 'ToolResulted' ? { ...e, event: { ...e.event, data: { ...e.event.data, output: 'lost' } } as ShamanEvent } : e));
    expect(diffRuns(recording(), other).firstDivergence).toMatchObject({ path: '1', agent: 'Looper', position: 3, what: 'ToolResulted differs', a: { output: 'found' }, b: { output: 'lost' } });
    expect(diffRuns(recording(), recording(NEW.runId, NEW.stepId).slice(0, 8)).firstDivergence).toMatchObject({ position: 5, what: 'only A has StepCompleted' });
  });
});

describe('planFork and child agents', () => {
  const CHILD = '00000000-0000-4000-8000-0000000000c1';
  // The tool call of answer #0 is a blocking call_agent whose child's answer came back as the call's result.
  const withChild = (mode: 'blocking' | 'async'): RecordedEvent[] =>
    recording().flatMap((e) => {
      if (e.event?.type !== 'ToolCalled') return [e];
      const called = { type: 'AgentCalled', data: { toolCallId: 'call_0_0', childStepId: CHILD, agent: 'Helper', mode }, metadata: meta(50) } as ShamanEvent;
      return [e, { ...e, index: 1, raw: called, event: called }];
    });
  const plan = (events: RecordedEvent[], seq: number) => planFork(events, { cut: { kind: 'seq', seq }, ...NEW, at, overrides: {}, initiator: { kind: 'system', id: 't' } });

  it('refuses a cut that leaves a blocking call open, and accepts one after its result', () => {
    expect(plan(withChild('blocking'), 5)).toEqual({ ok: false, message: expect.stringContaining('leaves the blocking call to agent Helper open') });
    expect(plan(withChild('blocking'), 7)).toMatchObject({ ok: true, plan: { request: { data: { forkedFrom: { prefixEvents: 5 } } } } });
  });

  it('refuses a prefix with an async child that was never awaited', () =>
    expect(plan(withChild('async'), 7)).toEqual({ ok: false, message: expect.stringContaining('async call to agent Helper') }));
});
