import { messageText, type AgentRef, type ChatMessage, type Initiator, type RunRequested, type StepEvent, type ToolCallRequest, type TokenUsage, type RequestEvent } from '@shaman/events';

/** What a caller asked of the step: fixed once requested. */
export type StepRequest = {
  orgId: string;
  runId: string;
  stepId: string;
  agent: AgentRef;
  message: ChatMessage;
  parentStepId: string | null;
  depth: number;
  initiator: Initiator;
};

/** The model's side and the tools' side of the conversation, in the order they were recorded. */
export type TranscriptEntry =
  | { kind: 'assistant'; content: string | null; toolCalls: ToolCallRequest[] }
  | { kind: 'tool'; toolCallId: string; name: string; output: unknown; isError: boolean };

export type WorkingStep = {
  status: 'working';
  request: StepRequest;
  model: string;
  llmResponses: number;
  transcript: TranscriptEntry[];
  /** Tool calls of the last model response that have no result yet, in the order the model asked. */
  pendingToolCalls: ToolCallRequest[];
  /** Pending calls already recorded as `ToolCalled` (invoked, or about to be). */
  calledToolIds: string[];
  usage: TokenUsage;
  cancelRequested: boolean;
  /**
   * Set while a `request_user_input` call waits for a person (`StepInputRequired`); `answer` is the text of the
   * first `StepInputProvided` after it, null until one arrives. Cleared by that call's `ToolResulted`.
   */
  awaitingInput: { toolCallId: string; prompt: string; answer: string | null } | null;
};

export type TerminalStep = { status: 'completed' | 'failed' | 'canceled'; request: StepRequest | null };
export type OpenStep =
  | { status: 'absent'; cancelRequested: boolean }
  | { status: 'requested'; request: StepRequest; cancelRequested: boolean }
  | WorkingStep;
export type Step = OpenStep | TerminalStep;

/** Terminal states are final: nothing after them changes the step. */
export const isTerminal = (step: Step): step is TerminalStep =>
  step.status === 'completed' || step.status === 'failed' || step.status === 'canceled';

export type StepStreamEvent = StepEvent | RequestEvent;

export const initialState = (): Step => ({ status: 'absent', cancelRequested: false });

const requestOf = (e: RunRequested): StepRequest => ({
  orgId: e.metadata.orgId,
  runId: e.metadata.runId,
  stepId: e.metadata.stepId,
  agent: e.data.agent,
  message: e.data.message,
  parentStepId: e.data.parentStepId,
  depth: e.data.depth,
  initiator: e.data.initiator,
});

const requestOfState = (step: Step): StepRequest | null => ('request' in step ? step.request : null);

/** Folds a step's request and event streams (in any interleaving) into its state. */
export const evolve = (step: Step, event: StepStreamEvent): Step => (isTerminal(step) ? step : evolveOpen(step, event));

const evolveOpen = (step: OpenStep, event: StepStreamEvent): Step => {
  switch (event.type) {
    case 'RunRequested':
      return step.status === 'absent' ? { status: 'requested', request: requestOf(event), cancelRequested: step.cancelRequested } : step;
    case 'RunCancelRequested':
      return { ...step, cancelRequested: true };
    case 'StepStarted':
      return step.status === 'requested' ? startWorking(step.request, event.data.model, step.cancelRequested) : step;
    case 'StepResumed':
    case 'RunDataWritten':
    case 'UsageRecorded':
      return step;
    case 'LlmResponded':
      return step.status === 'working' ? withResponse(step, event.data) : step;
    case 'ToolCalled':
      return step.status === 'working' ? { ...step, calledToolIds: [...step.calledToolIds, event.data.toolCallId] } : step;
    case 'ToolResulted':
      return step.status === 'working' ? withToolResult(step, event.data) : step;
    case 'StepInputRequired':
      return step.status === 'working' ? { ...step, awaitingInput: { ...event.data, answer: null } } : step;
    case 'StepInputProvided':
      return withInput(step, messageText(event.data.message));
    case 'StepCompleted':
      return { status: 'completed', request: requestOfState(step) };
    case 'StepFailed':
      return { status: 'failed', request: requestOfState(step) };
    case 'StepCanceled':
      return { status: 'canceled', request: requestOfState(step) };
  }
};

const startWorking = (request: StepRequest, model: string, cancelRequested: boolean): WorkingStep => ({
  status: 'working',
  request,
  model,
  llmResponses: 0,
  transcript: [],
  pendingToolCalls: [],
  calledToolIds: [],
  usage: { inputTokens: 0, outputTokens: 0 },
  cancelRequested,
  awaitingInput: null,
});

const withResponse = (step: WorkingStep, data: { response: { content: string | null; toolCalls: ToolCallRequest[] }; usage: TokenUsage }): WorkingStep => ({
  ...step,
  llmResponses: step.llmResponses + 1,
  transcript: [...step.transcript, { kind: 'assistant', content: data.response.content, toolCalls: data.response.toolCalls }],
  pendingToolCalls: data.response.toolCalls,
  calledToolIds: [],
  usage: {
    inputTokens: step.usage.inputTokens + data.usage.inputTokens,
    outputTokens: step.usage.outputTokens + data.usage.outputTokens,
  },
});

const withToolResult = (step: WorkingStep, data: { toolCallId: string; name: string; output: unknown; isError: boolean }): WorkingStep => ({
  ...step,
  transcript: [...step.transcript, { kind: 'tool', ...data }],
  pendingToolCalls: step.pendingToolCalls.filter((c) => c.id !== data.toolCallId),
  calledToolIds: step.calledToolIds.filter((id) => id !== data.toolCallId),
  awaitingInput: step.awaitingInput?.toolCallId === data.toolCallId ? null : step.awaitingInput,
});

// Only the first answer to a pending question counts; input nobody asked for (or a second answer) changes nothing.
const withInput = (step: OpenStep, answer: string): Step =>
  step.status === 'working' && step.awaitingInput && step.awaitingInput.answer === null ? { ...step, awaitingInput: { ...step.awaitingInput, answer } } : step;
