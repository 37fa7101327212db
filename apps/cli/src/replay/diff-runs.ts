import { isRequestEvent, messageText, type RunRequested, type StepEvent } from '@shaman/events';
import { firstDivergence } from './compare-steps.js';
import { remapIds } from './fork-plan-steps.js';
import type { RecordedEvent } from './run-recording.js';
import { summarizeStep, type StepSummary } from './step-summary.js';

/** A step by its place in the DAG: `1` is the first root, `1.2` that root's second call, in request order. */
type PlacedStep = { path: string; request: RunRequested; events: StepEvent[]; aligned: StepEvent[]; seqs: number[] };

export type RunDivergence = { path: string; agent: string; position: number | 'request'; what: string; a: unknown; b: unknown };
export type StepComparison = { path: string; a: StepSummary | null; b: StepSummary | null; identical: boolean };
export type RunDiff = { identical: boolean; firstDivergence: RunDivergence | null; steps: StepComparison[] };

// Not decisions (compare-steps.ts leaves the last two out too): kept out here so that a divergence's position is
// an index into `aligned` and `seqs`, which says when it happened.
const UNALIGNED: ReadonlySet<string> = new Set(['UsageRecorded', 'StepResumed', 'StepRetryScheduled']);

/** Each step with its request and recorded events, placed in the DAG by request order (children under their caller). */
export const placeSteps = (events: readonly RecordedEvent[]): PlacedStep[] => {
  const requests: RunRequested[] = [];
  const recorded = new Map<string, { event: StepEvent; seq: number }[]>();
  for (const { event, seq } of events) {
    if (event === null) continue;
    if (event.type === 'RunRequested') requests.push(event);
    else if (!isRequestEvent(event)) recorded.set(event.metadata.stepId, [...(recorded.get(event.metadata.stepId) ?? []), { event: event as StepEvent, seq }]);
  }
  const known = new Set(requests.map((r) => r.metadata.stepId));
  const childrenOf = (parent: string | null) => requests.filter((r) => (parent === null ? r.data.parentStepId === null || !known.has(r.data.parentStepId) : r.data.parentStepId === parent));
  const place = (parent: string | null, prefix: string): PlacedStep[] =>
    childrenOf(parent).flatMap((request, i) => {
      const path = `${prefix}${i + 1}`;
      const own = recorded.get(request.metadata.stepId) ?? [];
      const aligned = own.filter((e) => !UNALIGNED.has(e.event.type));
      return [{ path, request, events: own.map((e) => e.event), aligned: aligned.map((e) => e.event), seqs: aligned.map((e) => e.seq) }, ...place(request.metadata.stepId, `${path}.`)];
    });
  return place(null, '');
};

/*
 * Aligned by decision, as a re-execution is (compare-steps.ts): times, latencies, executors and ids are not
 * compared. Usage is left out of the alignment too (`aligned`): a fork records none for the answers it reuses, so
 * its cost is a per-step figure here, not a difference in what the step did.
 */

/**
 * B's ids as A's: its run id, and each step's id where both runs have a step at that place in the DAG. Child ids
 * (AgentCalled, ChildStepEnded, the task id a `call_agent` result carries) then compare by place, not by id.
 */
const idsAsA = (input: { a: readonly PlacedStep[]; b: readonly PlacedStep[] }): Map<string, string> => {
  const ids = new Map<string, string>();
  const [ra, rb] = [input.a[0]?.request.metadata.runId, input.b[0]?.request.metadata.runId];
  if (ra && rb) ids.set(rb, ra);
  for (const sb of input.b) {
    const sa = input.a.find((s) => s.path === sb.path);
    if (sa) ids.set(sb.request.metadata.stepId, sa.request.metadata.stepId);
  }
  return ids;
};

const requestFacts = (r: RunRequested) => ({ agent: r.data.agent.name, commit: r.data.agent.commit, message: messageText(r.data.message) });

const describe = (d: { what: string; expected: unknown; actual: unknown }): string => {
  const typeOf = (v: unknown) => (v as { type?: string } | null)?.type ?? 'event';
  if (d.expected === null) return `only B has ${typeOf(d.actual)}`;
  if (d.actual === null) return `only A has ${typeOf(d.expected)}`;
  return d.what.replace(/^expected (\S+), got (\S+)$/, 'A has $1, B has $2');
};

const compareStep = (a: PlacedStep | undefined, b: PlacedStep | undefined): RunDivergence | null => {
  const path = a?.path ?? b?.path ?? '?';
  if (a === undefined || b === undefined) {
    const only = a ?? b;
    return { path, agent: only?.request.data.agent.name ?? '?', position: 'request', what: `only ${a ? 'A' : 'B'} has step ${path}`, a: a ? requestFacts(a.request) : null, b: b ? requestFacts(b.request) : null };
  }
  const [ra, rb] = [requestFacts(a.request), requestFacts(b.request)];
  if (JSON.stringify(ra) !== JSON.stringify(rb)) return { path, agent: ra.agent, position: 'request', what: 'the step was asked something else (agent, commit or message)', a: ra, b: rb };
  const d = firstDivergence({ stepId: a.request.metadata.stepId, agent: ra.agent, recorded: a.aligned, replayed: b.aligned });
  return d === null ? null : { path, agent: ra.agent, position: d.position, what: describe(d), a: d.expected, b: d.actual };
};

/**
 * When in A a divergence happens: the stream sequence of A's decision at that position (past A's last decision of
 * the step, just after it); a step A does not have comes last. The first divergence is the earliest, so a parent
 * that differs only because its child did is not reported before that child.
 */
const whenInA = (step: PlacedStep | undefined, d: RunDivergence): number => {
  if (step === undefined) return Number.POSITIVE_INFINITY;
  if (d.position === 'request') return step.seqs[0] ?? 0;
  return step.seqs[d.position] ?? (step.seqs.at(-1) ?? 0) + 0.5;
};

/** Aligns two runs step by step (DAG position), then decision by decision, and reports where they first differ. */
export const diffRuns = (a: readonly RecordedEvent[], b: readonly RecordedEvent[]): RunDiff => {
  const stepsA = placeSteps(a);
  const placedB = placeSteps(b);
  const ids = idsAsA({ a: stepsA, b: placedB });
  const stepsB = placedB.map((s) => ({ ...s, aligned: remapIds(s.aligned, ids) }));
  const paths = [...new Set([...stepsA, ...stepsB].map((s) => s.path))];
  const summary = (s: PlacedStep | undefined) => (s ? summarizeStep({ stepId: s.request.metadata.stepId, agent: s.request.data.agent.name, events: s.events }) : null);
  let first: { divergence: RunDivergence; at: number } | null = null;
  const steps = paths.map((path): StepComparison => {
    const [sa, sb] = [stepsA.find((s) => s.path === path), stepsB.find((s) => s.path === path)];
    const divergence = compareStep(sa, sb);
    const at = divergence === null ? 0 : whenInA(sa, divergence);
    if (divergence !== null && (first === null || at < first.at)) first = { divergence, at };
    return { path, a: summary(sa), b: summary(sb), identical: divergence === null };
  });
  const found = first as { divergence: RunDivergence } | null;
  return { identical: found === null, firstDivergence: found?.divergence ?? null, steps };
};
