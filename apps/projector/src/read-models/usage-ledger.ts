import type { PoolClient } from '@shaman/platform';
import type { SequencedEvent } from './fold-steps.js';
import { toJsonParam } from './json-param.js';

// Immutable rows keyed by event id: a batch applied twice inserts nothing the second time.
const INSERT = `
  INSERT INTO usage_ledger (org_id, event_id, run_id, step_id, agent, provider, model, input_tokens, output_tokens, cost_micros, price_table, recorded_at, seq)
  SELECT org_id, event_id, run_id, step_id, agent, provider, model, input_tokens, output_tokens, cost_micros, price_table, recorded_at, seq
    FROM jsonb_to_recordset($1::jsonb) AS r(org_id uuid, event_id uuid, run_id uuid, step_id uuid, agent text, provider text, model text,
      input_tokens bigint, output_tokens bigint, cost_micros bigint, price_table text, recorded_at timestamptz, seq bigint)
  ON CONFLICT (event_id) DO NOTHING`;

/** Appends every `UsageRecorded` of the batch to the usage ledger, in one statement. */
export const applyUsage = async (client: PoolClient, events: readonly SequencedEvent[]): Promise<number> => {
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
  if (rows.length > 0) await client.query(INSERT, [toJsonParam(rows)]);
  return rows.length;
};
