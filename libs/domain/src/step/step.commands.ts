import type { LlmResponded, OfferedTool, StepDeadLettered, StepRetryScheduled, RunDataWritten, StepFailureCode, ToolCallRequest, UsageRecorded } from '@shaman/events';

/** Time and the id of the event a command produces arrive here, never from the decider (STYLE §4). */
export type CommandMetadata = { at: string; eventId: string; traceparent?: string };

export type ClaimStep = { type: 'ClaimStep'; data: { executorId: string; attempt: number; model: string }; metadata: CommandMetadata };
export type ResumeStep = { type: 'ResumeStep'; data: { executorId: string; attempt: number }; metadata: CommandMetadata };
export type RecordLlmResponse = { type: 'RecordLlmResponse'; data: LlmResponded['data']; metadata: CommandMetadata };
export type RecordToolCall = { type: 'RecordToolCall'; data: { iteration: number; call: ToolCallRequest }; metadata: CommandMetadata };
export type RecordToolResult = {
  type: 'RecordToolResult';
  data: { toolCallId: string; output: unknown; isError: boolean; latencyMs: number };
  metadata: CommandMetadata;
};
export type RecordUsage = { type: 'RecordUsage'; data: UsageRecorded['data']; metadata: CommandMetadata };
/** A fact a tool asked the step to record in its run's shared data (`run_data_write`), with the tool's result. */
export type RecordRunData = { type: 'RecordRunData'; data: RunDataWritten['data']; metadata: CommandMetadata };
/** The pending tool call `toolCallId` (`request_user_input`) waits for a person's answer to `prompt`. */
export type RequestInput = { type: 'RequestInput'; data: { toolCallId: string; prompt: string }; metadata: CommandMetadata };
/** The pending `call_agent` call `toolCallId` started child step `childStepId` (blocking: the call's result is the child's outcome). */
export type RecordAgentCall = { type: 'RecordAgentCall'; data: { toolCallId: string; childStepId: string; agent: string; mode: 'blocking' | 'async' }; metadata: CommandMetadata };
/** The pending `wait_for_agent` call `toolCallId` takes the outcome of the earlier async child `childStepId` as its result. */
export type AwaitAgent = { type: 'AwaitAgent'; data: { toolCallId: string; childStepId: string }; metadata: CommandMetadata };
/** The tools the model is offered from the next model answer on (recorded only when the set changes). */
export type OfferTools = { type: 'OfferTools'; data: { tools: OfferedTool[] }; metadata: CommandMetadata };
export type CompleteStep = { type: 'CompleteStep'; data: Record<string, never>; metadata: CommandMetadata };
export type FailStep = { type: 'FailStep'; data: { code: StepFailureCode; message: string }; metadata: CommandMetadata };
export type CancelStep = { type: 'CancelStep'; data: { reason?: string }; metadata: CommandMetadata };
/** An attempt failed with an error retrying may fix: the step is handed back, to be tried again after a delay. */
export type ScheduleRetry = { type: 'ScheduleRetry'; data: StepRetryScheduled['data']; metadata: CommandMetadata };
/** The last attempt failed: recorded together with (before) the `FailStep` that ends the step. */
export type DeadLetterStep = { type: 'DeadLetterStep'; data: StepDeadLettered['data']; metadata: CommandMetadata };

export type StepCommand =
  | ClaimStep
  | ResumeStep
  | RecordLlmResponse
  | RecordToolCall
  | RecordToolResult
  | RecordUsage
  | RecordRunData
  | RequestInput
  | RecordAgentCall
  | AwaitAgent
  | OfferTools
  | CompleteStep
  | FailStep
  | CancelStep
  | ScheduleRetry
  | DeadLetterStep;
