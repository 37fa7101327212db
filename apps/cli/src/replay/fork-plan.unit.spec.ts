import type { RunRequested, ShamanEvent } from '@shaman/events';
import { deterministicId } from '@shaman/platform';
import { describe, expect, it } from 'vitest';
import { diffRuns } from './diff-runs.js';
import { planFork, type ForkPlan } from './fork-plan.js';
import { remapIds } from './fork-plan-steps.js';
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
const fork = (cut: Parameters<typeof planFork>[1]['cut'], overrides = {}) => planFork(recording(), { cut, runId: NEW.runId, at, overrides, initiator: { kind: 'system', id: 'shaman-fork' } });

const requestOf = (plan: ForkPlan, stepId = plan.stepId) => plan.commits.flatMap((c) => c.events).find((e) => e.type === 'RunRequested' && e.metadata.stepId === stepId) as RunRequested;
const eventCommits = (plan: ForkPlan) => plan.commits.filter((c) => c.kind === 'evt').map((c) => c.events);

describe('planFork', () => {
  it('copies the step before the cut, re-addressed with the ids the executor would give, without usage, resumptions or endings', () => {
    const result = fork({ kind: 'seq', seq: 7 });
    if (!result.ok) throw new Error(result.message);
    const { plan } = result;
    expect(plan.stepId).toBe(deterministicId(NEW.runId, 'step', STEP));
    expect(eventCommits(plan).map((c) => c.map((e) => e.type))).toEqual([['StepStarted'], ['LlmResponded'], ['ToolCalled'], ['ToolResulted']]);
    expect(eventCommits(plan).flat().map((e) => e.metadata)).toEqual([0, 1, 2, 3].map((i) => ({ orgId: ORG, runId: NEW.runId, stepId: plan.stepId, at, eventId: deterministicId(plan.stepId, 'evt', i) })));
    expect(plan.commits[0]?.events[0]?.type).toBe('RunRequested');
    expect(requestOf(plan).data).toMatchObject({ agent, parentStepId: null, depth: 0, forkedFrom: { runId: RUN, stepId: STEP, seq: 7, prefixEvents: 4 } });
    expect(requestOf(plan).data.overrides).toBeUndefined();
  });

  it('forks at a step id from its start, and carries the overrides onto the claim', () => {
    const atStep = fork({ kind: 'step', stepId: STEP });
    expect(atStep.ok && eventCommits(atStep.plan)).toEqual([]);
    expect(atStep.ok && requestOf(atStep.plan).data.forkedFrom).toEqual({ runId: RUN, stepId: STEP, seq: 1, prefixEvents: 0 });
    const withModel = fork({ kind: 'seq', seq: 3 }, { model: 'other', systemPrompt: 'Be brief.' });
    expect(withModel.ok && eventCommits(withModel.plan).flat()).toMatchObject([{ type: 'StepStarted', data: { model: 'other', agent } }]);
    expect(withModel.ok && requestOf(withModel.plan).data.overrides).toEqual({ model: 'other', systemPrompt: 'Be brief.' });
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

describe('planFork of a run whose agents call agents', () => {
  const P = STEP;
  const C1 = '00000000-0000-4000-8000-0000000000c1';
  const C2 = '00000000-0000-4000-8000-0000000000c2';
  let n = 100;
  const ev = (stepId: string, type: string, data: unknown): ShamanEvent => ({ type, data, metadata: meta((n += 1), stepId) }) as ShamanEvent;
  const requested = (stepId: string, parent: string | null) =>
    ev(stepId, 'RunRequested', { agent: { ...agent, name: parent ? 'Helper' : 'Boss' }, message: { messageId: `m-${stepId}`, role: 'user', parts: [{ kind: 'text', text: 'go' }] }, parentStepId: parent, depth: parent ? 1 : 0, initiator: parent ? { kind: 'agent', id: parent } : { kind: 'system', id: 't' } });
  const started = (stepId: string) => ev(stepId, 'StepStarted', { agent, model: 'm', executorId: 'x', attempt: 1 });
  const call = (id: string) => ev(P, 'ToolCalled', { iteration: 0, toolCallId: id, name: 'call_agent', arguments: { agent: 'Helper' } });
  const called = (id: string, child: string) => ev(P, 'AgentCalled', { toolCallId: id, childStepId: child, agent: 'Helper', mode: 'blocking' });
  const done = (stepId: string) => ev(stepId, 'StepCompleted', { output: { parts: [{ kind: 'text', text: `done ${stepId}` }] }, usage, iterations: 1 });
  // seq: 1 P requested | 2 P claim | 3 P calls c1 | 4 C1 requested | 5 P AgentCalled c1 | 6 C1 claim | 7 C1 ends | 8 P notified
  //      9 P result of c1 | 10 P calls c2 | 11 C2 requested | 12 C2 claim | 13 P AgentCalled c2 | 14 C2 answer | 15 C2 ends
  const commits: ShamanEvent[][] = [
    [requested(P, null)], [started(P)], [call('t1')], [requested(C1, P)], [called('t1', C1)], [started(C1)], [done(C1)],
    [ev(P, 'ChildStepEnded', { childStepId: C1, agent: 'Helper', outcome: { state: 'completed', text: 'one' } })],
    [ev(P, 'ToolResulted', { toolCallId: 't1', name: 'call_agent', output: { agent: 'Helper', taskId: C1, text: 'one' }, isError: false, latencyMs: 0 })],
    [call('t2')], [requested(C2, P)], [started(C2)], [called('t2', C2)], [answer(0, null, 900)].map((e) => ({ ...e, metadata: { ...e.metadata, stepId: C2 } }) as ShamanEvent), [done(C2)],
  ];
  const events: RecordedEvent[] = commits.flatMap((c, i) =>
    c.map((event, index) => ({ seq: i + 1, index, subject: `p.${['RunRequested', 'ChildStepEnded'].includes(event.type) ? 'req' : 'evt'}.${ORG}.${RUN}.${event.metadata.stepId}`, time: new Date(at), raw: event, event, lifecycle: null })),
  );
  const plan = (seq: number) => {
    const result = planFork(events, { cut: { kind: 'seq', seq }, runId: NEW.runId, at, overrides: {}, initiator: { kind: 'system', id: 'shaman-fork' } });
    if (!result.ok) throw new Error(result.message);
    return result.plan;
  };
  const id = (old: string) => deterministicId(NEW.runId, 'step', old);

  it('copies every step requested before a cut inside the second child: the first ended, the second and the parent open', () => {
    const p = plan(14);
    expect(p.stepId).toBe(id(C2));
    expect(p.steps).toMatchObject([
      { originStepId: P, stepId: id(P), parentStepId: null, terminal: false, copiedEvents: 6 },
      { originStepId: C1, stepId: id(C1), parentStepId: id(P), terminal: true, copiedEvents: 2 },
      { originStepId: C2, stepId: id(C2), parentStepId: id(P), terminal: false, copiedEvents: 1 },
    ]);
    const all = p.commits.flatMap((c) => c.events);
    // Edges, child ids and the task id the parent's model saw all name the new steps; nothing names the origin's.
    const withoutLinks = all.map((e) => (e.type === 'RunRequested' ? { ...e, data: { ...e.data, forkedFrom: undefined } } : e));
    expect(JSON.stringify(withoutLinks)).not.toMatch(new RegExp(`${RUN}|${C1}|${C2}`));
    expect(all.filter((e) => e.type === 'RunRequested').map((e) => e.type === 'RunRequested' && e.data.forkedFrom)).toEqual([P, C1, C2].map((stepId) => ({ runId: RUN, stepId, seq: 14, prefixEvents: expect.any(Number) })));
    expect(all.find((e) => e.type === 'AgentCalled' && e.data.toolCallId === 't2')).toMatchObject({ data: { childStepId: id(C2) }, metadata: { stepId: id(P), runId: NEW.runId } });
    expect(all.find((e) => e.type === 'ChildStepEnded')).toMatchObject({ data: { childStepId: id(C1) }, metadata: { eventId: deterministicId(id(C1), 'ended') } });
    expect(all.find((e) => e.type === 'ToolResulted')).toMatchObject({ data: { output: { taskId: id(C1) } } });
    expect(all.filter((e) => e.type === 'StepCompleted').map((e) => e.metadata.stepId)).toEqual([id(C1)]);
    // In the origin's order: a step's request before its events, the child's end before the parent's notice.
    expect(p.commits.map((c) => `${c.kind}:${c.events.map((e) => e.type).join('+')}`)).toEqual([
      'req:RunRequested', 'evt:StepStarted', 'evt:ToolCalled', 'req:RunRequested', 'evt:AgentCalled', 'evt:StepStarted', 'evt:StepCompleted', 'req:ChildStepEnded', 'evt:ToolResulted', 'evt:ToolCalled', 'req:RunRequested', 'evt:StepStarted', 'evt:AgentCalled',
    ]);
  });

  it('copies the parent through its record of a call made just after the cut, unless the cut falls in that parent', () => {
    const inChild = plan(12); // C2 requested, the parent's AgentCalled (13) not yet: the parent is copied through it
    expect(inChild.steps.map((s) => s.originStepId)).toEqual([P, C1, C2]);
    expect(inChild.steps[0]).toMatchObject({ copiedEvents: 6 });
    const inParent = plan(13); // the cut is the parent's own AgentCalled: it calls again live, and C2 is left out
    expect(inParent.stepId).toBe(id(P));
    expect(inParent.steps.map((s) => s.originStepId)).toEqual([P, C1]);
  });

  it('names the same fork for the same cut (deterministic ids), and a step cut from its start keeps only its request', () => {
    expect(plan(14).commits.flatMap((c) => c.events.map((e) => e.metadata.eventId))).toEqual(plan(14).commits.flatMap((c) => c.events.map((e) => e.metadata.eventId)));
    const fromStart = planFork(events, { cut: { kind: 'step', stepId: C2 }, runId: NEW.runId, at, overrides: { model: 'x' }, initiator: { kind: 'system', id: 'f' } });
    expect(fromStart.ok && fromStart.plan.steps.at(-1)).toMatchObject({ originStepId: C2, copiedEvents: 0 });
    expect(fromStart.ok && requestOf(fromStart.plan).data.overrides).toEqual({ model: 'x' });
  });

  it('gives an external agent\'s node the id the executor derives from the new parent and the same tool call; a cut in the node falls in its caller', () => {
    const node = deterministicId(P, 'call', 't9');
    const external = { url: 'https://partner.example/a2a', protocolVersion: '1.0' };
    const nodeRequest = { ...requested(node, P), data: { ...(requested(node, P).data as object), external } } as ShamanEvent;
    const result = ev(P, 'ToolResulted', { toolCallId: 't9', name: 'call_agent', output: { text: 'partner says hi' }, isError: false, latencyMs: 0 });
    const recorded: ShamanEvent[][] = [[requested(P, null)], [started(P)], [call('t9')], [nodeRequest], [started(node)], [done(node)], [result]];
    const withNode: RecordedEvent[] = recorded.flatMap((c, i) => c.map((event, index) => ({ seq: i + 1, index, subject: `p.${event.type === 'RunRequested' ? 'req' : 'evt'}.${ORG}.${RUN}.${event.metadata.stepId}`, time: new Date(at), raw: event, event, lifecycle: null })));
    const forkAt = (seq: number) => {
      const r = planFork(withNode, { cut: { kind: 'seq', seq }, runId: NEW.runId, at, overrides: {}, initiator: { kind: 'system', id: 'f' } });
      if (!r.ok) throw new Error(r.message);
      return r.plan;
    };
    const newNode = deterministicId(id(P), 'call', 't9');
    expect(forkAt(7).steps).toMatchObject([{ stepId: id(P), terminal: false }, { stepId: newNode, terminal: true }]);
    expect(requestOf(forkAt(7), newNode).data).toMatchObject({ external, parentStepId: id(P) });
    // The cut at the node's end: its caller is cut there, and the node keeps what it recorded before.
    expect(forkAt(6)).toMatchObject({ stepId: id(P), steps: [{ stepId: id(P) }, { stepId: newNode, terminal: false, copiedEvents: 1 }] });
  });

  it('diff reads B\'s ids by place in the DAG, and reports the earliest divergence, not the first step in DAG order', () => {
    const later = ev(P, 'ToolResulted', { toolCallId: 't2', name: 'call_agent', output: { agent: 'Helper', taskId: C2, text: 'two' }, isError: false, latencyMs: 0 });
    const onP = (seq: number, index: number, event: ShamanEvent): RecordedEvent => ({ seq, index, subject: `p.evt.${ORG}.${RUN}.${P}`, time: new Date(at), raw: event, event, lifecycle: null });
    // Resumptions are not decisions: a divergence's position must still say when it happened (here: after the child's).
    const resumed = [1, 2, 3].map((i) => onP(2, i, ev(P, 'StepResumed', { executorId: `x${i}`, attempt: i + 1 })));
    const a: RecordedEvent[] = [...events.slice(0, 2), ...resumed, ...events.slice(2), onP(16, 0, later)];
    const ids = new Map([[RUN, NEW.runId], [P, id(P)], [C1, id(C1)], [C2, id(C2)]]);
    const b = a.map((e) => ({ ...e, event: remapIds(e.event, ids) }));
    expect(diffRuns(a, b)).toMatchObject({ identical: true, firstDivergence: null });
    // B's second child answered otherwise, and so its parent's result differs too (later in the stream).
    const changed = b.map((e) => {
      if (e.seq === 14 && e.event?.type === 'LlmResponded') return { ...e, event: { ...e.event, data: { ...e.event.data, response: { ...e.event.data.response, content: 'other' } } } as ShamanEvent };
      if (e.seq === 16 && e.event?.type === 'ToolResulted') return { ...e, event: { ...e.event, data: { ...e.event.data, output: 'other' } } as ShamanEvent };
      return e;
    });
    const report = diffRuns(a, changed);
    expect(report.firstDivergence).toMatchObject({ path: '1.2', agent: 'Helper', what: 'LlmResponded differs' });
    expect(report.steps.map((s) => [s.path, s.identical])).toEqual([['1', false], ['1.1', true], ['1.2', false]]);
  });
});
