import { isRequestEvent, isTerminalStepEvent, type RunRequested, type StepEvent, type StepId } from '@shaman/events';
import { deterministicId } from '@shaman/platform';
import type { RecordedEvent } from './run-recording.js';

/** Where a fork leaves its origin: before a stream sequence, or at the start of a step (its request only). */
export type ForkCut = { kind: 'seq'; seq: number } | { kind: 'step'; stepId: string };

export type ForkOverrides = { model?: string; systemPrompt?: string };

/** What `shaman fork` appends: the new root step's request, then the copied prefix commit by commit. */
export type ForkPlan = {
  request: RunRequested;
  /** The origin's commits before the cut, re-addressed to the new step; empty when the cut is at the step's start. */
  prefix: StepEvent[][];
  origin: { runId: string; stepId: string; agent: string; seq: number };
};

export type ForkPlanResult = { ok: true; plan: ForkPlan } | { ok: false; message: string };

/*
 * Not copied: StepResumed (which executor took over is not a decision), UsageRecorded (the usage ledger is money
 * spent, and the fork spends nothing on a reused answer) and terminal events (the fork goes live from the cut).
 */
const reused = (event: StepEvent): boolean => event.type !== 'StepResumed' && event.type !== 'UsageRecorded' && !isTerminalStepEvent(event);

/** The origin step a cut falls in, and the cut as a stream sequence (a step's cut is its request's). */
const locate = (events: readonly RecordedEvent[], cut: ForkCut): { stepId: string; seq: number } | string => {
  if (cut.kind === 'step') {
    const request = events.find((e) => e.event?.type === 'RunRequested' && e.event.metadata.stepId === cut.stepId);
    return request ? { stepId: cut.stepId, seq: request.seq } : `step ${cut.stepId} is not a step of this run`;
  }
  const at = events.find((e) => e.seq === cut.seq);
  if (at === undefined) return `event seq ${cut.seq} is not one of this run's events (shaman replay <run> --json lists them)`;
  if (at.event === null) return `event seq ${cut.seq} is not a step's event (a run's own event, or one that does not parse)`;
  return { stepId: at.event.metadata.stepId, seq: cut.seq };
};

const requestOf = (events: readonly RecordedEvent[], stepId: string): RunRequested | undefined => {
  const found = events.find((e) => e.event?.type === 'RunRequested' && e.event.metadata.stepId === stepId)?.event;
  return found?.type === 'RunRequested' ? found : undefined;
};

/** The step's own recorded commits before the cut, as recorded (event subject only). */
const commitsBefore = (events: readonly RecordedEvent[], at: { stepId: string; seq: number }): StepEvent[][] => {
  const bySeq = new Map<number, StepEvent[]>();
  for (const e of events) {
    if (e.seq >= at.seq || e.event === null || e.event.metadata.stepId !== at.stepId || isRequestEvent(e.event)) continue;
    const commit = bySeq.get(e.seq) ?? [];
    commit.push(e.event as StepEvent);
    bySeq.set(e.seq, commit);
  }
  return [...bySeq.values()];
};

/**
 * A child agent the prefix leaves the fork waiting on: a blocking call or a `wait_for_agent` without its result,
 * or an async call not yet awaited (a later wait would need the child's end, which arrived on the origin's request
 * subject, not the fork's). Null when the prefix is self-contained.
 */
const pendingChild = (prefix: readonly StepEvent[]): string | null => {
  const resulted = new Set(prefix.flatMap((e) => (e.type === 'ToolResulted' ? [e.data.toolCallId] : [])));
  const awaited = new Set(prefix.flatMap((e) => (e.type === 'AgentAwaited' && resulted.has(e.data.toolCallId) ? [e.data.childStepId] : [])));
  for (const e of prefix) {
    const open = e.type === 'AgentCalled' && (e.data.mode === 'async' ? !awaited.has(e.data.childStepId) : !resulted.has(e.data.toolCallId));
    if (e.type === 'AgentCalled' && open) return `${e.data.mode} call to agent ${e.data.agent}`;
    if (e.type === 'AgentAwaited' && !resulted.has(e.data.toolCallId)) return `wait for child step ${e.data.childStepId}`;
  }
  return null;
};

/**
 * Plans a fork of one step of a recorded run into a new run of one root step: the same agent at the same pinned
 * commit and the same message, then the step's recorded events before the cut with new deterministic ids (the
 * ids the executor would have given them, so it continues the sequence). Other steps of the origin are not
 * copied: a child step's answer is reused as the recorded `call_agent` result when it lies before the cut.
 */
export const planFork = (
  events: readonly RecordedEvent[],
  input: { cut: ForkCut; runId: string; stepId: string; at: string; overrides: ForkOverrides; initiator: RunRequested['data']['initiator'] },
): ForkPlanResult => {
  const where = locate(events, input.cut);
  if (typeof where === 'string') return { ok: false, message: where };
  const origin = requestOf(events, where.stepId);
  if (origin === undefined) return { ok: false, message: `step ${where.stepId} has no recorded request to fork from` };
  if (origin.data.external) return { ok: false, message: `step ${where.stepId} is an external A2A agent (${origin.data.external.url}); only a step an executor ran can be forked` };
  const address = { orgId: origin.metadata.orgId, runId: input.runId, stepId: input.stepId };
  let position = 0;
  const prefix = commitsBefore(events, where).flatMap((commit) => {
    const kept = commit.filter(reused).map((event) => {
      const copy = { ...event, metadata: { ...address, eventId: deterministicId(input.stepId, 'evt', position), at: input.at } } as StepEvent;
      position += 1;
      // The step's model is the fork's when it overrides one; each reused answer keeps the model that gave it.
      return copy.type === 'StepStarted' && input.overrides.model ? { ...copy, data: { ...copy.data, model: input.overrides.model } } : copy;
    });
    return kept.length > 0 ? [kept] : [];
  });
  const child = pendingChild(prefix.flat());
  if (child !== null) return { ok: false, message: `the cut leaves the ${child} open, and a fork does not copy child steps: cut before the call, or after its result` };
  const { callChain: _c, external: _e, forkedFrom: _f, overrides: inherited, ...data } = origin.data;
  const overrides = { ...inherited, ...input.overrides };
  const request: RunRequested = {
    type: 'RunRequested',
    data: {
      ...data,
      parentStepId: null,
      depth: 0,
      initiator: input.initiator,
      forkedFrom: { runId: origin.metadata.runId, stepId: where.stepId as StepId, seq: where.seq, prefixEvents: position },
      ...(Object.keys(overrides).length > 0 ? { overrides } : {}),
    },
    metadata: { ...address, eventId: deterministicId(input.stepId, 'req', 0), at: input.at } as RunRequested['metadata'],
  };
  return { ok: true, plan: { request, prefix, origin: { runId: origin.metadata.runId, stepId: where.stepId, agent: origin.data.agent.name, seq: where.seq } } };
};
