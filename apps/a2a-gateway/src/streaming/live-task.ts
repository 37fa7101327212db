import type { ShamanEvent, TextDelta } from '@shaman/events';
import { viewFromEvents } from '../tasks/task-reader.js';
import { TERMINAL_TASK_STATES, toA2ATask, type StepView } from '../tasks/task-view.js';
import type { ArtifactUpdateEvent, StatusUpdateEvent, StepStreamEvent } from './types.js';

/**
 * A step as one stream subscriber has seen it: the events folded so far, what the Task shows, the last model
 * turn whose answer is recorded (its deltas are stale from then on) and the provider call whose text is being
 * forwarded. Pure: the stream feeds it commits and deltas and sends on what comes out.
 */
export type LiveTask = {
  events: readonly ShamanEvent[];
  view: StepView;
  answered: number;
  streaming: { call: string; next: number } | null;
  done: boolean;
};

type Step = { live: LiveTask; out: StepStreamEvent[] };

/** The streaming artifact and the final one share this id, so the recorded answer replaces what streamed. */
export const outputArtifactId = (stepId: string): string => `${stepId}:output`;

/** A stream ends after a terminal state, or an interrupted one (the caller must answer first). */
export const endsStream = (view: StepView): boolean => TERMINAL_TASK_STATES.has(view.status) || view.status === 'input-required';

const lastAnswered = (events: readonly ShamanEvent[]): number =>
  events.reduce((n, e) => (e.type === 'LlmResponded' ? Math.max(n, e.data.iteration) : n), -1);

/** The state right after the snapshot: null when the events hold no request (not a task). */
export const startLiveTask = (events: readonly ShamanEvent[]): LiveTask | null => {
  const view = viewFromEvents(events);
  return view ? { events, view, answered: lastAnswered(events), streaming: null, done: endsStream(view) } : null;
};

const statusUpdate = (view: StepView): StatusUpdateEvent => ({
  kind: 'status-update',
  taskId: view.stepId,
  contextId: view.runId,
  status: toA2ATask(view).status,
  final: endsStream(view),
});

const artifactUpdate = (view: StepView, chunk: Pick<ArtifactUpdateEvent, 'append' | 'lastChunk'> & { parts: ArtifactUpdateEvent['artifact']['parts'] }): ArtifactUpdateEvent => ({
  kind: 'artifact-update',
  taskId: view.stepId,
  contextId: view.runId,
  artifact: { artifactId: outputArtifactId(view.stepId), name: 'response', parts: chunk.parts },
  append: chunk.append,
  lastChunk: chunk.lastChunk,
});

const changed = (before: StepView, after: StepView): boolean => before.status !== after.status || before.question?.id !== after.question?.id;

/** Folds one stored event: a status change becomes a status update, a completion first sends the final artifact. */
const applyEvent = (live: LiveTask, event: ShamanEvent): Step => {
  const events = [...live.events, event];
  const view = viewFromEvents(events) ?? live.view;
  const answered = event.type === 'LlmResponded' ? Math.max(live.answered, event.data.iteration) : live.answered;
  const next: LiveTask = { events, view, answered, streaming: event.type === 'LlmResponded' ? null : live.streaming, done: endsStream(view) };
  if (!changed(live.view, view)) return { live: next, out: [] };
  const artifact = view.status === 'completed' && view.output ? [artifactUpdate(view, { parts: view.output.parts, append: false, lastChunk: true })] : [];
  return { live: next, out: [...artifact, statusUpdate(view)] };
};

/** Folds a stored commit's events, in order; nothing after the stream's final event. */
export const applyCommit = (live: LiveTask, events: readonly ShamanEvent[]): Step =>
  events.reduce<Step>((step, event) => {
    if (step.live.done) return step;
    const applied = applyEvent(step.live, event);
    return { live: applied.live, out: [...step.out, ...applied.out] };
  }, { live, out: [] });

/**
 * Forwards a text delta as an artifact chunk: `seq` 0 starts the streaming artifact afresh (append: false; a
 * new turn, a retry or a redelivery), each next one appends. A gap (a lost delta: core NATS is best-effort), a
 * delta of a call this subscriber did not see start, or one of a turn already recorded is dropped, so what a
 * client accumulates is always a prefix of one real answer; the recorded answer replaces it in the end.
 */
export const applyDelta = (live: LiveTask, delta: TextDelta): Step => {
  if (live.done || delta.iteration <= live.answered) return { live, out: [] };
  if (delta.seq === 0) {
    const out = [artifactUpdate(live.view, { parts: [{ kind: 'text', text: delta.text }], append: false, lastChunk: false })];
    return { live: { ...live, streaming: { call: delta.call, next: 1 } }, out };
  }
  const current = live.streaming;
  if (!current || current.call !== delta.call) return { live, out: [] };
  if (current.next !== delta.seq) return { live: { ...live, streaming: null }, out: [] };
  const out = [artifactUpdate(live.view, { parts: [{ kind: 'text', text: delta.text }], append: true, lastChunk: false })];
  return { live: { ...live, streaming: { call: delta.call, next: delta.seq + 1 } }, out };
};
