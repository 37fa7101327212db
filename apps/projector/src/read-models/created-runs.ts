import type { RunLifecycleEvent } from '@shaman/events';
import { toJsonParam } from './json-param.js';
import type { Statement } from './statements.js';

export type SequencedRunEvent = { seq: number; event: RunLifecycleEvent };

// A run opened before any step: a row with no root yet ('submitted', no agent). Its first roots update it
// (upsert-runs.ts keeps the creator as initiator and the earliest creation time).
const INSERT_CREATED = `
  INSERT INTO runs (org_id, id, status, root_agent, initiator_kind, initiator_id, step_count, input_tokens, output_tokens, created_at, updated_at, last_seq)
  SELECT org_id, run_id, 'submitted', '', initiator_kind, initiator_id, 0, 0, 0, at, at, seq
    FROM jsonb_to_recordset($1::jsonb) AS r(org_id uuid, run_id uuid, initiator_kind text, initiator_id text, at timestamptz, seq bigint)
  ON CONFLICT (id) DO NOTHING`;

/** Projects `RunCreated`: idempotent, a replayed batch inserts nothing twice. */
export const createdRunWrites = (events: readonly SequencedRunEvent[]): Statement[] => {
  const rows = events.flatMap(({ seq, event }) =>
    event.type === 'RunCreated'
      ? [{ org_id: event.metadata.orgId, run_id: event.metadata.runId, initiator_kind: event.data.initiator.kind, initiator_id: event.data.initiator.id, at: event.metadata.at, seq }]
      : [],
  );
  return rows.length > 0 ? [{ text: INSERT_CREATED, values: [toJsonParam(rows)] }] : [];
};
