import type { EventMetadata, StepEvent, StepId } from '@shaman/events';
import { DomainError } from '../domain-error.js';
import type {
  CancelStep,
  ClaimStep,
  DeadLetterStep,
  ScheduleRetry,
  CommandMetadata,
  CompleteStep,
  FailStep,
  RecordLlmResponse,
  RecordRunData,
  RecordToolCall,
  RecordToolResult,
  RecordUsage,
  RequestInput,
  ResumeStep,
  RecordAgentCall,
  AwaitAgent,
  OfferTools,
  StepCommand,
} from './step.commands.js';
import { evolve, initialState, isTerminal, type Step, type StepRequest, type StepStreamEvent, type WorkingStep } from './step.state.js';

const meta = (request: StepRequest, m: CommandMetadata): EventMetadata =>
  ({ eventId: m.eventId, orgId: request.orgId, runId: request.runId, stepId: request.stepId, at: m.at, ...(m.traceparent ? { traceparent: m.traceparent } : {}) }) as EventMetadata;

const working = (step: Step): WorkingStep => {
  if (step.status === 'working') return step;
  if (isTerminal(step)) throw new DomainError('step.terminal', `step is ${step.status}`);
  throw new DomainError('step.not_working', `step is ${step.status}`);
};

const claim = ({ data, metadata }: ClaimStep, step: Step): StepEvent => {
  if (step.status === 'absent') throw new DomainError('step.not_requested');
  if (step.status !== 'requested') throw new DomainError(step.status === 'working' ? 'step.already_claimed' : 'step.terminal', `step is ${step.status}`);
  return { type: 'StepStarted', data: { agent: step.request.agent, ...data }, metadata: meta(step.request, metadata) };
};

const resume = ({ data, metadata }: ResumeStep, step: Step): StepEvent => ({
  type: 'StepResumed',
  data,
  metadata: meta(working(step).request, metadata),
});

const recordLlm = ({ data, metadata }: RecordLlmResponse, step: Step): StepEvent => {
  const w = working(step);
  if (data.iteration !== w.llmResponses) throw new DomainError('step.iteration_mismatch', `expected iteration ${w.llmResponses}, got ${data.iteration}`);
  return { type: 'LlmResponded', data, metadata: meta(w.request, metadata) };
};

const recordToolCall = ({ data, metadata }: RecordToolCall, step: Step): StepEvent => {
  const w = working(step);
  if (!w.pendingToolCalls.some((c) => c.id === data.call.id)) throw new DomainError('step.unknown_tool_call', data.call.id);
  const { id, name, arguments: args } = data.call;
  return { type: 'ToolCalled', data: { iteration: data.iteration, toolCallId: id, name, arguments: args }, metadata: meta(w.request, metadata) };
};

const recordToolResult = ({ data, metadata }: RecordToolResult, step: Step): StepEvent => {
  const w = working(step);
  const call = w.pendingToolCalls.find((c) => c.id === data.toolCallId);
  if (!call) throw new DomainError('step.unknown_tool_call', data.toolCallId);
  if (w.awaitingInput?.toolCallId === call.id && w.awaitingInput.answer === null) throw new DomainError('step.awaiting_input', 'nobody has answered yet');
  const awaited = w.awaits[call.id];
  if (awaited !== undefined && !w.children[awaited]?.outcome) throw new DomainError('step.awaiting_child', `child ${awaited} has not ended`);
  return { type: 'ToolResulted', data: { ...data, name: call.name }, metadata: meta(w.request, metadata) };
};

// The question is the pending call's result-to-be: it must be a call the model made, recorded, and not yet asked.
const requestInput = ({ data, metadata }: RequestInput, step: Step): StepEvent => {
  const w = working(step);
  if (w.awaitingInput) throw new DomainError('step.awaiting_input', `already waiting on ${w.awaitingInput.toolCallId}`);
  if (!w.pendingToolCalls.some((c) => c.id === data.toolCallId)) throw new DomainError('step.unknown_tool_call', data.toolCallId);
  if (!w.calledToolIds.includes(data.toolCallId)) throw new DomainError('step.unknown_tool_call', `${data.toolCallId} was not recorded as called`);
  return { type: 'StepInputRequired', data, metadata: meta(w.request, metadata) };
};

// A call is a recorded (`ToolCalled`), still pending call of the model's; each child is started once.
const recordedCall = (w: WorkingStep, toolCallId: string): void => {
  if (!w.pendingToolCalls.some((c) => c.id === toolCallId) || !w.calledToolIds.includes(toolCallId)) throw new DomainError('step.unknown_tool_call', toolCallId);
  if (w.awaits[toolCallId] !== undefined) throw new DomainError('step.awaiting_child', `${toolCallId} already waits on ${w.awaits[toolCallId]}`);
};

const recordAgentCall = ({ data, metadata }: RecordAgentCall, step: Step): StepEvent => {
  const w = working(step);
  recordedCall(w, data.toolCallId);
  if (w.children[data.childStepId]) throw new DomainError('step.unknown_child', `${data.childStepId} was already called`);
  return { type: 'AgentCalled', data: { ...data, childStepId: data.childStepId as StepId }, metadata: meta(w.request, metadata) };
};

const awaitAgent = ({ data, metadata }: AwaitAgent, step: Step): StepEvent => {
  const w = working(step);
  recordedCall(w, data.toolCallId);
  if (!w.children[data.childStepId]) throw new DomainError('step.unknown_child', `${data.childStepId} is not a child of this step`);
  return { type: 'AgentAwaited', data: { ...data, childStepId: data.childStepId as StepId }, metadata: meta(w.request, metadata) };
};

// What the model is offered is a fact of a working step, recorded with the answer it applies to.
const offerTools = ({ data, metadata }: OfferTools, step: Step): StepEvent => ({
  type: 'ToolsOffered',
  data,
  metadata: meta(working(step).request, metadata),
});

const recordUsage = ({ data, metadata }: RecordUsage, step: Step): StepEvent => ({
  type: 'UsageRecorded',
  data,
  metadata: meta(working(step).request, metadata),
});

// Only a working step writes run data: a write is the effect of one of its tool calls.
const recordRunData = ({ data, metadata }: RecordRunData, step: Step): StepEvent => ({
  type: 'RunDataWritten',
  data,
  metadata: meta(working(step).request, metadata),
});

const complete = ({ metadata }: CompleteStep, step: Step): StepEvent => {
  const w = working(step);
  const last = w.transcript.at(-1);
  if (!last || last.kind !== 'assistant' || last.toolCalls.length > 0) throw new DomainError('step.not_finished', 'the model has not given a final answer');
  const parts = [{ kind: 'text' as const, text: last.content ?? '' }];
  return { type: 'StepCompleted', data: { output: { parts }, usage: w.usage, iterations: w.llmResponses }, metadata: meta(w.request, metadata) };
};

const endOf = (step: Step): StepRequest => {
  if (isTerminal(step)) throw new DomainError('step.terminal', `step is ${step.status}`);
  if (step.status === 'absent') throw new DomainError('step.not_requested');
  return step.request;
};

const fail = ({ data, metadata }: FailStep, step: Step): StepEvent => ({ type: 'StepFailed', data: { error: data }, metadata: meta(endOf(step), metadata) });

const cancel = ({ data, metadata }: CancelStep, step: Step): StepEvent => ({ type: 'StepCanceled', data, metadata: meta(endOf(step), metadata) });

// Retries are about any open step, claimed or not (an attempt can fail before it claims).
const scheduleRetry = ({ data, metadata }: ScheduleRetry, step: Step): StepEvent => ({ type: 'StepRetryScheduled', data, metadata: meta(endOf(step), metadata) });

const deadLetter = ({ data, metadata }: DeadLetterStep, step: Step): StepEvent => ({ type: 'StepDeadLettered', data, metadata: meta(endOf(step), metadata) });

/** One event per command: each is appended as its own commit, before the executor acts on it. */
export const decide = (command: StepCommand, step: Step): StepEvent => {
  switch (command.type) {
    case 'ClaimStep': return claim(command, step);
    case 'ResumeStep': return resume(command, step);
    case 'RecordLlmResponse': return recordLlm(command, step);
    case 'RecordToolCall': return recordToolCall(command, step);
    case 'RecordToolResult': return recordToolResult(command, step);
    case 'RecordUsage': return recordUsage(command, step);
    case 'RecordRunData': return recordRunData(command, step);
    case 'RequestInput': return requestInput(command, step);
    case 'RecordAgentCall': return recordAgentCall(command, step);
    case 'AwaitAgent': return awaitAgent(command, step);
    case 'OfferTools': return offerTools(command, step);
    case 'CompleteStep': return complete(command, step);
    case 'FailStep': return fail(command, step);
    case 'CancelStep': return cancel(command, step);
    case 'ScheduleRetry': return scheduleRetry(command, step);
    case 'DeadLetterStep': return deadLetter(command, step);
  }
};

/** emmett's decider shape; its `Command` type wants optional metadata, ours is required, hence no `satisfies`. */
export const stepDecider: {
  decide: (command: StepCommand, step: Step) => StepEvent;
  evolve: (step: Step, event: StepStreamEvent) => Step;
  initialState: () => Step;
} = { decide, evolve, initialState };
