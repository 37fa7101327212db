import type { PoolClient } from '@shaman/platform';
import { toInputRequest, toLlmCall, toToolCall, type InputRequest, type LlmCall, type ToolCall } from './step-activity.mapper.js';

// Batched by step: one query for every step a request asks about. RLS scopes the rows (DESIGN §6).

export const listToolCalls = async (client: PoolClient, stepIds: readonly string[]): Promise<ToolCall[]> => {
  const { rows } = await client.query(
    `SELECT step_id, tool_call_id, iteration, name, arguments, called_at, output, is_error, latency_ms, resulted_at
       FROM step_tool_calls WHERE step_id = ANY($1::uuid[]) ORDER BY step_id, seq, called_at, event_id`,
    [stepIds],
  );
  return rows.map(toToolCall);
};

export const listLlmCalls = async (client: PoolClient, stepIds: readonly string[]): Promise<LlmCall[]> => {
  const { rows } = await client.query(
    `SELECT step_id, iteration, provider, model, content, finish_reason, tool_call_count, input_tokens, output_tokens, latency_ms,
            cost_micros, price_table, responded_at
       FROM step_llm_calls WHERE step_id = ANY($1::uuid[]) ORDER BY step_id, seq, iteration, event_id`,
    [stepIds],
  );
  return rows.map(toLlmCall);
};

export const listInputRequests = async (client: PoolClient, stepIds: readonly string[]): Promise<InputRequest[]> => {
  const { rows } = await client.query(
    `SELECT step_id, tool_call_id, prompt, requested_at, answer, answered_by_kind, answered_by_id, answered_at
       FROM step_input_requests WHERE step_id = ANY($1::uuid[]) ORDER BY step_id, seq, event_id`,
    [stepIds],
  );
  return rows.map(toInputRequest);
};
