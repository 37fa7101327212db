import { messageText, type AgentRef, type OfferedTool, type ChildOutcome, type ChatMessage, type Initiator, type RunRequested, type StepEvent, type ToolCallRequest, type TokenUsage, type RequestEvent } from '@shaman/events';

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
  /** A fork's model and system prompt, which win over the agent definition's (RunRequested.overrides). */
  overrides?: { model?: string | undefined; systemPrompt?: string | undefined };
  /** Agent names from the run's root down to this step's own agent (a root's is just its agent). */
  callChain: string[];
};

/** A child step this one started with `call_agent`, and how it ended once its `ChildStepEnded` is folded in. */
export type ChildCall = { agent: string; toolCallId: string; mode: 'blocking' | 'async'; outcome: ChildOutcome | null };

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
  /** Set by the first `StepDeadlineExceeded` (with `cancelRequested`): the step ends failed with `timeout`, not canceled. */
  timedOut?: ExceededDeadline;
  /**
   * Set while a `request_user_input` call waits for a person (`StepInputRequired`); `answer` is the text of the
   * first `StepInputProvided` after it, null until one arrives. Cleared by that call's `ToolResulted`.
   */
  awaitingInput: { toolCallId: string; prompt: string; answer: string | null } | null;
  /** Children by step id (`AgentCalled`), in call order. */
  children: Record<string, ChildCall>;
  /**
   * Outcomes that arrived before their `AgentCalled` was folded (a fast child can end before the caller records
   * the call): attached to the child when it is.
   */
  earlyOutcomes: Record<string, ChildOutcome>;
  /** The tools the model was last offered (`ToolsOffered`); none until one is recorded. */
  offeredTools: OfferedTool[];
  /** Pending tool calls whose result is a child's outcome (a blocking `call_agent`, a `wait_for_agent`): call id → child step id. */
  awaits: Record<string, string>;
};

/** Which deadline of a step passed (issue 7). */
export type ExceededDeadline = { scope: 'step' | 'run'; timeoutMs: number };

export type TerminalStep = { status: 'completed' | 'failed' | 'canceled'; request: StepRequest | null };
export type OpenStep =
  | { status: 'absent'; cancelRequested: boolean; timedOut?: ExceededDeadline }
  | { status: 'requested'; request: StepRequest; cancelRequested: boolean; timedOut?: ExceededDeadline }
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
  callChain: e.data.callChain ?? [e.data.agent.name],
  ...(e.data.overrides ? { overrides: e.data.overrides } : {}),
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
    // A passed deadline ends the step as a cancel does, but as a failure (`timeout`); the first one counts.
    case 'StepDeadlineExceeded':
      return { ...step, cancelRequested: true, timedOut: step.timedOut ?? { scope: event.data.scope, timeoutMs: event.data.timeoutMs } };
    case 'StepStarted':
      return step.status === 'requested' ? { ...startWorking(step.request, event.data.model, step.cancelRequested), ...(step.timedOut ? { timedOut: step.timedOut } : {}) } : step;
    // Resumes and retries are facts about attempts, not about the conversation.
    case 'StepResumed':
    case 'StepRetryScheduled':
    case 'StepDeadLettered':
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
    case 'AgentCalled':
      return step.status === 'working' ? withChild(step, event.data) : step;
    case 'AgentAwaited':
      return step.status === 'working' ? { ...step, awaits: { ...step.awaits, [event.data.toolCallId]: event.data.childStepId } } : step;
    case 'ToolsOffered':
      return step.status === 'working' ? { ...step, offeredTools: event.data.tools } : step;
    case 'ChildStepEnded':
      return step.status === 'working' ? withChildOutcome(step, event.data.childStepId, event.data.outcome) : step;
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
  children: {},
  earlyOutcomes: {},
  awaits: {},
  offeredTools: [],
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
  awaits: Object.fromEntries(Object.entries(step.awaits).filter(([callId]) => callId !== data.toolCallId)),
});

const withChild = (step: WorkingStep, data: { toolCallId: string; childStepId: string; agent: string; mode: 'blocking' | 'async' }): WorkingStep => {
  if (step.children[data.childStepId]) return step;
  const { [data.childStepId]: early = null, ...earlyOutcomes } = step.earlyOutcomes;
  return {
    ...step,
    children: { ...step.children, [data.childStepId]: { agent: data.agent, toolCallId: data.toolCallId, mode: data.mode, outcome: early } },
    earlyOutcomes,
    awaits: data.mode === 'blocking' ? { ...step.awaits, [data.toolCallId]: data.childStepId } : step.awaits,
  };
};

// The first outcome counts: a notification repeated after a crash changes nothing.
const withChildOutcome = (step: WorkingStep, childStepId: string, outcome: ChildOutcome): WorkingStep => {
  const child = step.children[childStepId];
  if (!child) return step.earlyOutcomes[childStepId] ? step : { ...step, earlyOutcomes: { ...step.earlyOutcomes, [childStepId]: outcome } };
  return child.outcome ? step : { ...step, children: { ...step.children, [childStepId]: { ...child, outcome } } };
};

/** The child a pending tool call waits on, if it does, and that child's outcome once known. */
export const awaitedChild = (step: WorkingStep, toolCallId: string): { childStepId: string; child: ChildCall | undefined } | null => {
  const childStepId = step.awaits[toolCallId];
  return childStepId === undefined ? null : { childStepId, child: step.children[childStepId] };
};

// Only the first answer to a pending question counts; input nobody asked for (or a second answer) changes nothing.
const withInput = (step: OpenStep, answer: string): Step =>
  step.status === 'working' && step.awaitingInput && step.awaitingInput.answer === null ? { ...step, awaitingInput: { ...step.awaitingInput, answer } } : step;

// Canonical JSON (sorted keys): two specs built in a different key order are the same offer.
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));

/** Whether offering `tools` now must be recorded: they differ from what the step last recorded (none at first). */
export const toolsOfferChanged = (step: WorkingStep, tools: readonly OfferedTool[]): boolean => canonical(step.offeredTools) !== canonical(tools);
