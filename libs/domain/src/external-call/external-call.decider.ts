import type { EventMetadata, StepEvent } from '@shaman/events';
import { DomainError } from '../domain-error.js';
import { isTerminal, type Step, type StepRequest } from '../step/step.state.js';
import type { CommandMetadata } from '../step/step.commands.js';
import type { CancelExternalCall, CompleteExternalCall, ExternalCallCommand, FailExternalCall, StartExternalCall } from './external-call.commands.js';

/**
 * The model name an external node's `StepStarted` carries: no model of ours ran it, and readers (GraphQL, the
 * gateway's task views, replay) show the node like any other step.
 */
export const EXTERNAL_MODEL = 'external';

const meta = (request: StepRequest, m: CommandMetadata): EventMetadata =>
  ({ eventId: m.eventId, orgId: request.orgId, runId: request.runId, stepId: request.stepId, at: m.at, ...(m.traceparent ? { traceparent: m.traceparent } : {}) }) as EventMetadata;

const open = (step: Step): StepRequest => {
  if (isTerminal(step)) throw new DomainError('step.terminal', `step is ${step.status}`);
  if (step.status === 'absent') throw new DomainError('step.not_requested');
  return step.request;
};

const working = (step: Step): StepRequest => {
  const request = open(step);
  if (step.status !== 'working') throw new DomainError('step.not_working', `step is ${step.status}`);
  return request;
};

// One attempt: an external node is never redelivered to an executor; a resumed caller goes on from its log.
const start = ({ data, metadata }: StartExternalCall, step: Step): StepEvent => {
  const request = open(step);
  if (step.status !== 'requested') throw new DomainError('step.already_claimed', `step is ${step.status}`);
  return { type: 'StepStarted', data: { agent: request.agent, model: EXTERNAL_MODEL, executorId: data.executorId, attempt: 1 }, metadata: meta(request, metadata) };
};

// No tokens of ours were spent, and no model turn ran: usage and iterations are zero.
const complete = ({ data, metadata }: CompleteExternalCall, step: Step): StepEvent => ({
  type: 'StepCompleted',
  data: { output: { parts: [{ kind: 'text', text: data.text }] }, usage: { inputTokens: 0, outputTokens: 0 }, iterations: 0 },
  metadata: meta(working(step), metadata),
});

// A failure or cancel may end a node that never started (the URL was refused before anything was sent).
const fail = ({ data, metadata }: FailExternalCall, step: Step): StepEvent => ({ type: 'StepFailed', data: { error: data }, metadata: meta(open(step), metadata) });

const cancel = ({ data, metadata }: CancelExternalCall, step: Step): StepEvent => ({ type: 'StepCanceled', data, metadata: meta(open(step), metadata) });

/**
 * Decides the events of an `external` DAG node: a step of the run whose work happens on another A2A server,
 * recorded by the executor of the step that called it. The state is the ordinary step state (`evolveStep`), so
 * the node's events are the ordinary step events and every reader shows it without knowing it is external.
 */
export const decideExternalCall = (command: ExternalCallCommand, step: Step): StepEvent => {
  switch (command.type) {
    case 'StartExternalCall': return start(command, step);
    case 'CompleteExternalCall': return complete(command, step);
    case 'FailExternalCall': return fail(command, step);
    case 'CancelExternalCall': return cancel(command, step);
  }
};
