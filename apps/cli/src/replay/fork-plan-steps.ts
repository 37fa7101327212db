import type { RunRequested, ShamanEvent } from '@shaman/events';
import { deterministicId } from '@shaman/platform';
import type { RecordedEvent } from './run-recording.js';

/** One step of the origin a fork copies: its new id, and up to which stream sequence its event subject is copied. */
export type CopiedStep = { originStepId: string; stepId: string; request: RunRequested; requestSeq: number; evtBefore: number };

type Parsed = { seq: number; event: ShamanEvent; evt: boolean };

const parsed = (events: readonly RecordedEvent[]): Parsed[] =>
  events.flatMap((e) => (e.event === null ? [] : [{ seq: e.seq, event: e.event, evt: e.subject.split('.').at(-4) === 'evt' }]));

const requests = (events: readonly Parsed[]): { seq: number; request: RunRequested }[] =>
  events.flatMap(({ seq, event }) => (event.type === 'RunRequested' ? [{ seq, request: event }] : []));

/** The commit of the parent that records the call to `childStepId` (`AgentCalled`), if it has one. */
const agentCalledSeq = (events: readonly Parsed[], input: { parent: string; child: string }): number | null =>
  events.find(({ event }) => event.type === 'AgentCalled' && event.metadata.stepId === input.parent && event.data.childStepId === input.child)?.seq ?? null;

/** The tool call of the parent whose external node is `nodeStepId` (its id derives from the call: external-node.ts). */
const externalCallId = (events: readonly Parsed[], input: { parent: string; node: string }): string | null => {
  for (const { event } of events) {
    if (event.type === 'ToolCalled' && event.metadata.stepId === input.parent && deterministicId(input.parent, 'call', event.data.toolCallId) === input.node) return event.data.toolCallId;
  }
  return null;
};

type Decided = Map<string, CopiedStep>;

/**
 * Whether a child step requested before the cut is copied, and what that needs of its parent. An internal child
 * is copied only with its parent's record of the call (`AgentCalled`): a parent without it would call again live
 * and make another child. When that record lies after the cut, the parent's event subject is copied through it
 * (the copied child IS that call), except when the parent is the step the cut falls in: that one is cut exactly,
 * so the child is left out and the parent calls again live. An external node takes the id the executor derives
 * from the new parent and the same tool call, so a resumed parent finds it.
 */
const placeChild = (all: readonly Parsed[], input: { decided: Decided; request: RunRequested; cut: number; cutStep: string; newRun: string }): string | null => {
  const old = input.request.metadata.stepId;
  const parentId = input.request.data.parentStepId ?? '';
  const parent = input.decided.get(parentId);
  if (parent === undefined) return null;
  if (input.request.data.external) {
    const callId = externalCallId(all, { parent: parentId, node: old });
    return callId === null ? null : deterministicId(parent.stepId, 'call', callId);
  }
  const calledAt = agentCalledSeq(all, { parent: parentId, child: old });
  if (calledAt === null || (calledAt >= input.cut && parentId === input.cutStep)) return null;
  if (calledAt >= parent.evtBefore) parent.evtBefore = calledAt + 1;
  return deterministicId(input.newRun, 'step', old);
};

/**
 * The steps a fork at `cut` copies, in request order: every step requested before the cut (and the step the cut
 * falls in) whose place in the DAG survives the cut, then any child whose call the copied parents record without
 * its request being before the cut (those start from their request). New ids are deterministic in the new run id.
 */
export const stepsToCopy = (events: readonly RecordedEvent[], input: { cut: number; cutStep: string; newRun: string }): CopiedStep[] => {
  const all = parsed(events);
  const decided: Decided = new Map();
  const requested = requests(all);
  for (const { seq, request } of requested) {
    const old = request.metadata.stepId;
    if (seq >= input.cut && old !== input.cutStep) continue;
    const stepId = request.data.parentStepId === null ? deterministicId(input.newRun, 'step', old) : placeChild(all, { decided, request, ...input });
    if (stepId !== null) decided.set(old, { originStepId: old, stepId, request, requestSeq: seq, evtBefore: input.cut });
  }
  for (const { seq, request } of requested) {
    const old = request.metadata.stepId;
    const parent = decided.get(request.data.parentStepId ?? '');
    if (decided.has(old) || parent === undefined || request.data.external) continue;
    const calledAt = agentCalledSeq(all, { parent: parent.originStepId, child: old });
    if (calledAt !== null && calledAt < parent.evtBefore) decided.set(old, { originStepId: old, stepId: deterministicId(input.newRun, 'step', old), request, requestSeq: seq, evtBefore: 0 });
  }
  return [...decided.values()];
};

/** Replaces every origin id (the run's, each copied step's) inside a value: edges, child ids, task ids the model saw. */
export const remapIds = <T>(value: T, ids: ReadonlyMap<string, string>): T => {
  if (typeof value === 'string') {
    let out: string = value;
    for (const [from, to] of ids) if (out.includes(from)) out = out.split(from).join(to);
    return out as T;
  }
  if (Array.isArray(value)) return value.map((v: unknown) => remapIds(v, ids)) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, remapIds(v, ids)])) as T;
  return value;
};
