import { isRequestEvent, messageText, type RunRequested, type StepEvent } from '@shaman/events';
import { firstDivergence } from './compare-steps.js';
import type { RecordedEvent } from './run-recording.js';
import { summarizeStep, type StepSummary } from './step-summary.js';

/** A step by its place in the DAG: `1` is the first root, `1.2` that root's second call, in request order. */
type PlacedStep = { path: string; request: RunRequested; events: StepEvent[] };

export type RunDivergence = { path: string; agent: string; position: number | 'request'; what: string; a: unknown; b: unknown };
export type StepComparison = { path: string; a: StepSummary | null; b: StepSummary | null; identical: boolean };
export type RunDiff = { identical: boolean; firstDivergence: RunDivergence | null; steps: StepComparison[] };

/** Each step with its request and recorded events, placed in the DAG by request order (children under their caller). */
export const placeSteps = (events: readonly RecordedEvent[]): PlacedStep[] => {
  const requests: RunRequested[] = [];
  const recorded = new Map<string, StepEvent[]>();
  for (const { event } of events) {
    if (event === null) continue;
    if (event.type === 'RunRequested') requests.push(event);
    else if (!isRequestEvent(event)) recorded.set(event.metadata.stepId, [...(recorded.get(event.metadata.stepId) ?? []), event as StepEvent]);
  }
  const known = new Set(requests.map((r) => r.metadata.stepId));
  const childrenOf = (parent: string | null) => requests.filter((r) => (parent === null ? r.data.parentStepId === null || !known.has(r.data.parentStepId) : r.data.parentStepId === parent));
  const place = (parent: string | null, prefix: string): PlacedStep[] =>
    childrenOf(parent).flatMap((request, i) => {
      const path = `${prefix}${i + 1}`;
      return [{ path, request, events: recorded.get(request.metadata.stepId) ?? [] }, ...place(request.metadata.stepId, `${path}.`)];
    });
  return place(null, '');
};

/*
 * Aligned by decision, as a re-execution is (compare-steps.ts): times, latencies, executors and ids are not
 * compared. Usage is left out of the alignment too: a fork records none for the answers it reuses, so its cost is
 * a per-step figure here, not a difference in what the step did.
 */
const aligned = (events: readonly StepEvent[]): StepEvent[] => events.filter((e) => e.type !== 'UsageRecorded');

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
  const d = firstDivergence({ stepId: a.request.metadata.stepId, agent: ra.agent, recorded: aligned(a.events), replayed: aligned(b.events) });
  return d === null ? null : { path, agent: ra.agent, position: d.position, what: describe(d), a: d.expected, b: d.actual };
};

/** Aligns two runs step by step (DAG position), then decision by decision, and reports where they first differ. */
export const diffRuns = (a: readonly RecordedEvent[], b: readonly RecordedEvent[]): RunDiff => {
  const [stepsA, stepsB] = [placeSteps(a), placeSteps(b)];
  const paths = [...new Set([...stepsA, ...stepsB].map((s) => s.path))];
  const summary = (s: PlacedStep | undefined) => (s ? summarizeStep({ stepId: s.request.metadata.stepId, agent: s.request.data.agent.name, events: s.events }) : null);
  let first: RunDivergence | null = null;
  const steps = paths.map((path): StepComparison => {
    const [sa, sb] = [stepsA.find((s) => s.path === path), stepsB.find((s) => s.path === path)];
    const divergence = compareStep(sa, sb);
    first ??= divergence;
    return { path, a: summary(sa), b: summary(sb), identical: divergence === null };
  });
  return { identical: first === null, firstDivergence: first, steps };
};
