import type { StepRow } from '@shaman/domain';
import { preparedStatement, type PoolClient } from '@shaman/platform';
import { applyForkLinks } from './fork-links.js';
import { foldSteps, type SequencedEvent } from './fold-steps.js';
import { toJsonParam } from './json-param.js';
import { STEP_COLUMNS, StepRecord, toStepRecord } from './step-record.js';
import { upsertRuns } from './upsert-runs.js';
import { applyRunData } from './run-data.js';
import { applyStepActivity } from './step-activity.js';
import { applyUsage } from './usage-ledger.js';

const names = STEP_COLUMNS.map(([name]) => name);
// One primary-key probe per id, whatever the table's size when the generic plan was made: `id = ANY($1)` planned
// on a new, small `steps` table is a sequential scan that the cached plan keeps while the table grows. OFFSET 0
// keeps the subquery from being pulled up into a join that the planner could turn into that same scan.
export const LOAD_STEPS = preparedStatement(
  'projector.load-steps',
  'SELECT l.record FROM unnest($1::uuid[]) AS k(id) CROSS JOIN LATERAL (SELECT to_jsonb(s) AS record FROM steps s WHERE s.id = k.id OFFSET 0) AS l',
);
// The last_seq guard keeps an older fold from overwriting a newer row, should two writers ever race.
const UPSERT_STEPS = preparedStatement(
  'projector.upsert-steps',
  `
  INSERT INTO steps (${names.join(', ')})
  SELECT ${names.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS r(${STEP_COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')})
  ON CONFLICT (id) DO UPDATE SET ${names.filter((n) => n !== 'id').map((n) => `${n} = EXCLUDED.${n}`).join(', ')}
  WHERE steps.last_seq < EXCLUDED.last_seq`,
);

const loadSteps = async (client: PoolClient, ids: readonly string[]): Promise<Map<string, StepRow>> => {
  const result = await client.query<{ record: unknown }>(LOAD_STEPS([ids]));
  return new Map(result.rows.map((r) => StepRecord.parse(r.record)).map((row) => [row.id, row]));
};

/**
 * Folds a batch into the read models inside the caller's transaction: one query loads the touched steps, one
 * statement upserts the changed ones, two recompute their runs. Events must be in stream order.
 */
export const applyBatch = async (client: PoolClient, events: readonly SequencedEvent[]): Promise<{ steps: number }> => {
  if (events.length === 0) return { steps: 0 };
  await applyUsage(client, events);
  await applyRunData(client, events);
  await applyStepActivity(client, events);
  const stored = await loadSteps(client, [...new Set(events.map((e) => e.event.metadata.stepId))]);
  const changed = foldSteps(stored, events);
  if (changed.length === 0) return { steps: 0 };
  await client.query(UPSERT_STEPS([toJsonParam(changed.map(toStepRecord))]));
  await upsertRuns(client, changed.map((row) => ({ orgId: row.orgId, runId: row.runId })));
  await applyForkLinks(client, events);
  return { steps: changed.length };
};
