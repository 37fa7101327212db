import type { PoolClient } from '@shaman/platform';
import type { SequencedEvent } from './fold-steps.js';
import { toJsonParam } from './json-param.js';

// Immutable rows keyed by event id: a batch applied twice inserts nothing the second time. The version is the
// commit's stream sequence, so "latest" (the run_data_latest view) is the same order the executor reads in.
const INSERT = `
  INSERT INTO run_data (org_id, event_id, run_id, step_id, agent, key, value, tags, version, written_at)
  SELECT org_id, event_id, run_id, step_id, agent, key, value, tags, version, written_at
    FROM jsonb_to_recordset($1::jsonb) AS r(org_id uuid, event_id uuid, run_id uuid, step_id uuid, agent text, key text,
      value jsonb, tags text[], version bigint, written_at timestamptz)
  ON CONFLICT (event_id) DO NOTHING`;

/** Appends every `RunDataWritten` of the batch to `run_data`, in one statement. */
export const applyRunData = async (client: PoolClient, events: readonly SequencedEvent[]): Promise<number> => {
  const rows = events.flatMap(({ seq, event }) =>
    event.type === 'RunDataWritten'
      ? [{
          org_id: event.metadata.orgId,
          event_id: event.metadata.eventId,
          run_id: event.metadata.runId,
          step_id: event.metadata.stepId,
          agent: event.data.agent,
          key: event.data.key,
          value: event.data.value,
          tags: event.data.tags,
          version: seq,
          written_at: event.metadata.at,
        }]
      : [],
  );
  if (rows.length > 0) await client.query(INSERT, [toJsonParam(rows)]);
  return rows.length;
};
