import { isRequestEvent, isTerminalStepEvent, stepEventStream, stepRequestStream, type RunRequested, type ShamanEvent, type StepAddress, type StepId } from '@shaman/events';
import { deterministicId } from '@shaman/platform';
import { remapIds, stepsToCopy, type CopiedStep } from './fork-plan-steps.js';
import type { RecordedEvent } from './run-recording.js';

/** Where a fork leaves its origin: before a stream sequence, or at the start of a step (its request only). */
export type ForkCut = { kind: 'seq'; seq: number } | { kind: 'step'; stepId: string };

export type ForkOverrides = { model?: string; systemPrompt?: string };

/** One commit a fork appends, on one subject of the new run (`req` or `evt` of one step), in the origin's order. */
export type ForkCommit = { stream: string; kind: 'req' | 'evt'; events: ShamanEvent[] };

/** A step of the new run and what it copies of its origin step. */
export type ForkStep = { stepId: string; originStepId: string; agent: string; parentStepId: string | null; copiedEvents: number; terminal: boolean };

/** What `shaman fork` appends: every copied step's request and recorded commits before the cut, in stream order. */
export type ForkPlan = {
  runId: string;
  /** The new step the cut falls in (where `--model` / `--prompt-file` apply). */
  stepId: string;
  commits: ForkCommit[];
  steps: ForkStep[];
  origin: { runId: string; stepId: string; agent: string; seq: number };
};

export type ForkPlanResult = { ok: true; plan: ForkPlan } | { ok: false; message: string };

/*
 * Never copied: StepResumed (which executor took over is not a decision), UsageRecorded (the usage ledger is money
 * spent, and the fork spends nothing on a reused answer) and StepDeadlineExceeded (a fork's deadlines count from
 * its own claims). The step the cut falls in keeps no end either: it goes live from the cut.
 */
const dropped: ReadonlySet<string> = new Set(['StepResumed', 'UsageRecorded', 'StepDeadlineExceeded']);

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

/** An external agent's node is recorded by its caller's executor: a cut in it falls in that caller. */
const callerOfExternal = (events: readonly RecordedEvent[], cut: { stepId: string; seq: number }): { stepId: string; seq: number } => {
  const request = events.find((e) => e.event?.type === 'RunRequested' && e.event.metadata.stepId === cut.stepId)?.event;
  return request?.type === 'RunRequested' && request.data.external && request.data.parentStepId ? { stepId: request.data.parentStepId, seq: cut.seq } : cut;
};

type PlanInput = { cut: ForkCut; runId: string; at: string; overrides: ForkOverrides; initiator: RunRequested['data']['initiator'] };

/** The copied request: re-addressed and remapped; a root is the fork's (its initiator), the cut step takes the overrides. */
const copyRequest = (step: CopiedStep, input: { plan: PlanInput; ids: ReadonlyMap<string, string>; cut: { stepId: string; seq: number }; prefixEvents: number }): RunRequested => {
  const { callChain, external, forkedFrom: _f, overrides: inherited, ...data } = remapIds(step.request.data, input.ids);
  const overrides = step.originStepId === input.cut.stepId ? { ...inherited, ...input.plan.overrides } : (inherited ?? {});
  const root = step.request.data.parentStepId === null;
  return {
    type: 'RunRequested',
    data: {
      ...data,
      ...(root ? { initiator: input.plan.initiator } : {}),
      ...(callChain ? { callChain } : {}),
      ...(external ? { external } : {}),
      forkedFrom: { runId: step.request.metadata.runId, stepId: step.originStepId as StepId, seq: input.cut.seq, prefixEvents: input.prefixEvents },
      ...(Object.keys(overrides).length > 0 ? { overrides } : {}),
    },
    metadata: { orgId: step.request.metadata.orgId, runId: input.plan.runId, stepId: step.stepId, eventId: deterministicId(step.stepId, 'req', 0), at: input.plan.at } as RunRequested['metadata'],
  };
};

type Selected = { seq: number; step: CopiedStep; event: ShamanEvent };

/** The origin events a fork keeps, in stream order, each with the copied step it belongs to. */
const select = (events: readonly RecordedEvent[], input: { steps: ReadonlyMap<string, CopiedStep>; cut: { stepId: string; seq: number } }): Selected[] =>
  events.flatMap(({ seq, event }): Selected[] => {
    const step = event === null ? undefined : input.steps.get(event.metadata.stepId);
    if (event === null || step === undefined || dropped.has(event.type)) return [];
    if (event.type === 'RunRequested') return seq === step.requestSeq ? [{ seq, step, event }] : [];
    if (!isRequestEvent(event)) return seq < step.evtBefore && !(step.originStepId === input.cut.stepId && isTerminalStepEvent(event)) ? [{ seq, step, event }] : [];
    // A child's end notice counts only for a child the fork has; it is copied when it came before the cut.
    if (event.type === 'ChildStepEnded' && !input.steps.has(event.data.childStepId)) return [];
    return seq < input.cut.seq ? [{ seq, step, event }] : [];
  });

type CommitInput = { plan: PlanInput; ids: ReadonlyMap<string, string>; cut: { stepId: string; seq: number } };

/** One copied step event or request event other than the request itself, re-addressed with the id the platform would give it. */
const copyEvent = (s: Selected, input: CommitInput & { position: number }): ShamanEvent => {
  const { step, event } = s;
  const address = { orgId: step.request.metadata.orgId, runId: input.plan.runId, stepId: step.stepId } as StepAddress;
  const eventId = !isRequestEvent(event)
    ? deterministicId(step.stepId, 'evt', input.position)
    : event.type === 'ChildStepEnded'
      ? deterministicId(input.ids.get(event.data.childStepId) ?? '', 'ended') // what the child's executor would append
      : deterministicId(step.stepId, 'copied', event.metadata.eventId);
  const copy = { ...remapIds(event, input.ids), metadata: { ...address, eventId, at: input.plan.at } } as ShamanEvent;
  // The cut step's model is the fork's when it overrides one; each reused answer keeps the model that gave it.
  const model = step.originStepId === input.cut.stepId ? input.plan.overrides.model : undefined;
  return copy.type === 'StepStarted' && model ? { ...copy, data: { ...copy.data, model } } : copy;
};

/**
 * Re-addresses the selected events into commits of the new run, in the origin's stream order. Each request goes
 * where its own was and carries how many copied events its executor waits for (known once all are counted).
 */
const toCommits = (selected: readonly Selected[], input: CommitInput): ForkCommit[] => {
  const positions = new Map<string, number>();
  const commits: ForkCommit[] = [];
  const requestAt = new Map<CopiedStep, number>();
  let last = { seq: -1, stream: '' };
  for (const s of selected) {
    const address = { orgId: s.step.request.metadata.orgId, runId: input.plan.runId, stepId: s.step.stepId } as StepAddress;
    const evt = !isRequestEvent(s.event);
    const stream = evt ? stepEventStream(address) : stepRequestStream(address);
    if (s.event.type === 'RunRequested') {
      requestAt.set(s.step, commits.length);
      commits.push({ stream, kind: 'req', events: [] });
      continue;
    }
    const position = positions.get(s.step.stepId) ?? 0;
    const copy = copyEvent(s, { ...input, position });
    if (evt) positions.set(s.step.stepId, position + 1);
    // A request commit holds one event; an event commit stays as recorded (one decision is never split).
    if (evt && last.seq === s.seq && last.stream === stream) commits.at(-1)?.events.push(copy);
    else commits.push({ stream, kind: evt ? 'evt' : 'req', events: [copy] });
    last = { seq: s.seq, stream };
  }
  for (const [step, index] of requestAt) commits[index]?.events.push(copyRequest(step, { ...input, prefixEvents: positions.get(step.stepId) ?? 0 }));
  return commits;
};

/**
 * Plans a fork of a whole recorded run at a cut: a new run with every step requested before the cut (new ids,
 * edges and child ids remapped), each with its recorded events before the cut. Steps that ended before it stay
 * ended; open ones continue live from their last copied event, on any executor, once the fork is appended.
 */
export const planFork = (events: readonly RecordedEvent[], input: PlanInput): ForkPlanResult => {
  const located = locate(events, input.cut);
  if (typeof located === 'string') return { ok: false, message: located };
  const cut = callerOfExternal(events, located);
  const origin = events.find((e) => e.event?.type === 'RunRequested' && e.event.metadata.stepId === cut.stepId)?.event;
  if (origin?.type !== 'RunRequested') return { ok: false, message: `step ${cut.stepId} has no recorded request to fork from` };
  if (origin.data.external) return { ok: false, message: `step ${cut.stepId} is an external A2A agent (${origin.data.external.url}); only a step an executor ran can be forked` };
  const copied = stepsToCopy(events, { cut: cut.seq, cutStep: cut.stepId, newRun: input.runId });
  const steps = new Map(copied.map((s) => [s.originStepId, s]));
  const ids = new Map<string, string>([[origin.metadata.runId, input.runId], ...copied.map((s): [string, string] => [s.originStepId, s.stepId])]);
  const selected = select(events, { steps, cut });
  const commits = toCommits(selected, { plan: input, ids, cut });
  const requests = new Map(commits.flatMap((c) => c.events).flatMap((e) => (e.type === 'RunRequested' ? [[e.metadata.stepId as string, e] as const] : [])));
  return {
    ok: true,
    plan: {
      runId: input.runId,
      stepId: steps.get(cut.stepId)?.stepId ?? '',
      commits,
      steps: copied.map((s) => forkStep(s, { requests, selected })),
      origin: { runId: origin.metadata.runId, stepId: cut.stepId, agent: origin.data.agent.name, seq: cut.seq },
    },
  };
};

const forkStep = (s: CopiedStep, input: { requests: ReadonlyMap<string, RunRequested>; selected: readonly Selected[] }): ForkStep => {
  const request = input.requests.get(s.stepId);
  return {
    stepId: s.stepId,
    originStepId: s.originStepId,
    agent: s.request.data.agent.name,
    parentStepId: request?.data.parentStepId ?? null,
    copiedEvents: request?.data.forkedFrom?.prefixEvents ?? 0,
    terminal: input.selected.some((e) => e.step === s && isTerminalStepEvent(e.event)),
  };
};
