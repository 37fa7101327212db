import type { SequencedEvent } from './fold-steps.js';
import { appendRows, type AppendOnlyTable } from './append-only.js';
import type { Statement } from './statements.js';

const USAGE_LEDGER: AppendOnlyTable = {
  table: 'usage_ledger',
  columns: [['org_id', 'uuid'], ['event_id', 'uuid'], ['run_id', 'uuid'], ['step_id', 'uuid'], ['agent', 'text'], ['provider', 'text'],
    ['model', 'text'], ['input_tokens', 'bigint'], ['output_tokens', 'bigint'], ['cost_micros', 'bigint'], ['price_table', 'text'],
    ['recorded_at', 'timestamptz'], ['seq', 'bigint']],
};

/** Appends every `UsageRecorded` of the batch to the usage ledger, in one statement. */
export const usageWrites = (events: readonly SequencedEvent[]): Statement[] => {
  const rows = events.flatMap(({ seq, event }) =>
    event.type === 'UsageRecorded'
      ? [{
          org_id: event.metadata.orgId,
          event_id: event.metadata.eventId,
          run_id: event.metadata.runId,
          step_id: event.metadata.stepId,
          agent: event.data.agent,
          provider: event.data.provider,
          model: event.data.model,
          input_tokens: event.data.inputTokens,
          output_tokens: event.data.outputTokens,
          cost_micros: event.data.costMicros,
          price_table: event.data.priceTable,
          recorded_at: event.metadata.at,
          seq,
        }]
      : [],
  );
  return appendRows(USAGE_LEDGER, rows);
};
