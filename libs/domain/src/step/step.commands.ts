import type { LlmResponded, RunDataWritten, StepFailureCode, ToolCallRequest, UsageRecorded } from '@shaman/events';

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
export type CompleteStep = { type: 'CompleteStep'; data: Record<string, never>; metadata: CommandMetadata };
export type FailStep = { type: 'FailStep'; data: { code: StepFailureCode; message: string }; metadata: CommandMetadata };
export type CancelStep = { type: 'CancelStep'; data: { reason?: string }; metadata: CommandMetadata };

export type StepCommand =
  | ClaimStep
  | ResumeStep
  | RecordLlmResponse
  | RecordToolCall
  | RecordToolResult
  | RecordUsage
  | RecordRunData
  | RequestInput
  | CompleteStep
  | FailStep
  | CancelStep;
