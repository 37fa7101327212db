import { z } from 'zod';
import type { Initiator } from './run.mapper.js';

// Rows of the step activity read models (migrations/0010_step_activity.sql), parsed at ingress (STYLE §3).
const Count = z.number().int().nonnegative();

const ToolCallRow = z.object({
  step_id: z.string(),
  tool_call_id: z.string(),
  iteration: Count,
  name: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  called_at: z.date(),
  output: z.unknown(),
  is_error: z.boolean().nullable(),
  latency_ms: z.number().nullable(),
  resulted_at: z.date().nullable(),
});

const LlmCallRow = z.object({
  step_id: z.string(),
  iteration: Count,
  provider: z.string(),
  model: z.string(),
  content: z.string().nullable(),
  finish_reason: z.string(),
  tool_call_count: Count,
  input_tokens: Count,
  output_tokens: Count,
  latency_ms: z.number(),
  cost_micros: Count.nullable(),
  price_table: z.string().nullable(),
  responded_at: z.date(),
});

const InputRequestRow = z.object({
  step_id: z.string(),
  tool_call_id: z.string(),
  prompt: z.string(),
  requested_at: z.date(),
  answer: z.unknown(),
  answered_by_kind: z.string().nullable(),
  answered_by_id: z.string().nullable(),
  answered_at: z.date().nullable(),
});

/** A tool call and, once it returned, its result: `output` is the result, or the error when `isError`. */
export type ToolCall = {
  stepId: string;
  toolCallId: string;
  iteration: number;
  name: string;
  arguments: Record<string, unknown>;
  calledAt: Date;
  /** Null while the call has not returned; then `isError` and `latencyMs` are null too. */
  resultedAt: Date | null;
  output: unknown;
  isError: boolean | null;
  latencyMs: number | null;
};

export type LlmCall = {
  stepId: string;
  iteration: number;
  provider: string;
  model: string;
  content: string | null;
  finishReason: string;
  toolCallCount: number;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
  /** Null when the call was not priced (no `UsageRecorded` came with it). */
  costMicros: number | null;
  priceTable: string | null;
  respondedAt: Date;
};

export type InputRequest = {
  stepId: string;
  toolCallId: string;
  prompt: string;
  requestedAt: Date;
  /** The person's answer (an A2A message); null while the question is open. */
  answer: unknown;
  answeredBy: Initiator | null;
  answeredAt: Date | null;
};

export const toToolCall = (row: unknown): ToolCall => {
  const r = ToolCallRow.parse(row);
  return {
    stepId: r.step_id, toolCallId: r.tool_call_id, iteration: r.iteration, name: r.name, arguments: r.arguments, calledAt: r.called_at,
    resultedAt: r.resulted_at, output: r.output ?? null, isError: r.is_error, latencyMs: r.latency_ms,
  };
};

export const toLlmCall = (row: unknown): LlmCall => {
  const r = LlmCallRow.parse(row);
  return {
    stepId: r.step_id, iteration: r.iteration, provider: r.provider, model: r.model, content: r.content, finishReason: r.finish_reason,
    toolCallCount: r.tool_call_count, inputTokens: r.input_tokens, outputTokens: r.output_tokens, latencyMs: r.latency_ms,
    costMicros: r.cost_micros, priceTable: r.price_table, respondedAt: r.responded_at,
  };
};

export const toInputRequest = (row: unknown): InputRequest => {
  const r = InputRequestRow.parse(row);
  return {
    stepId: r.step_id, toolCallId: r.tool_call_id, prompt: r.prompt, requestedAt: r.requested_at, answer: r.answer ?? null,
    answeredBy: r.answered_by_kind !== null && r.answered_by_id !== null ? { kind: r.answered_by_kind, id: r.answered_by_id } : null,
    answeredAt: r.answered_at,
  };
};
