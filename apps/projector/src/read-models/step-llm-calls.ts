import { appendRows, type AppendOnlyTable } from './append-only.js';
import type { SequencedEvent } from './fold-steps.js';
import type { Statement } from './statements.js';

const STEP_LLM_CALLS: AppendOnlyTable = {
  table: 'step_llm_calls',
  columns: [['org_id', 'uuid'], ['event_id', 'uuid'], ['run_id', 'uuid'], ['step_id', 'uuid'], ['iteration', 'integer'], ['provider', 'text'],
    ['model', 'text'], ['content', 'text'], ['finish_reason', 'text'], ['tool_call_count', 'integer'], ['input_tokens', 'bigint'],
    ['output_tokens', 'bigint'], ['latency_ms', 'double precision'], ['cost_micros', 'bigint'], ['price_table', 'text'],
    ['responded_at', 'timestamptz'], ['seq', 'bigint']],
};

type Price = { costMicros: number; priceTable: string };

/**
 * Records every `LlmResponded` of the batch with its price. The executor records a call's `UsageRecorded` in
 * the same commit (libs/events), and a batch holds whole commits, so the price is always in the same batch:
 * paired by step and iteration, which the step decider never repeats.
 */
export const llmCallWrites = (events: readonly SequencedEvent[]): Statement[] => {
  const prices = new Map<string, Price>();
  for (const { event } of events) {
    if (event.type === 'UsageRecorded') prices.set(`${event.metadata.stepId}/${event.data.iteration}`, event.data);
  }
  const rows = events.flatMap(({ seq, event: { type, data, metadata } }) => {
    if (type !== 'LlmResponded') return [];
    const price = prices.get(`${metadata.stepId}/${data.iteration}`);
    return [{
      org_id: metadata.orgId, event_id: metadata.eventId, run_id: metadata.runId, step_id: metadata.stepId, iteration: data.iteration,
      provider: data.provider, model: data.model, content: data.response.content, finish_reason: data.response.finishReason,
      tool_call_count: data.response.toolCalls.length, input_tokens: data.usage.inputTokens, output_tokens: data.usage.outputTokens,
      latency_ms: data.latencyMs, cost_micros: price?.costMicros ?? null, price_table: price?.priceTable ?? null, responded_at: metadata.at, seq,
    }];
  });
  return appendRows(STEP_LLM_CALLS, rows);
};
