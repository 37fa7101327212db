import type { StepRow } from '@shaman/domain';
import { preparedStatement, type PoolClient } from '@shaman/platform';
import { agentDefinitionWrites, type SequencedRepositoryEvent } from './agent-definitions.js';
import { createdRunWrites, type SequencedRunEvent } from './created-runs.js';
import { forkLinkWrites } from './fork-links.js';
import { foldSteps, type SequencedEvent } from './fold-steps.js';
import { toJsonParam } from './json-param.js';
import { runDataWrites } from './run-data.js';
import { sendInOrder, type Statement } from './statements.js';
import { stepActivityWrites } from './step-activity.js';
import { STEP_COLUMNS, StepRecord, toStepRecord } from './step-record.js';
import { rootStatusesRead, uniqueRuns, upsertRunsWrites } from './upsert-runs.js';
import { usageWrites } from './usage-ledger.js';

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

/** What a batch holds, by family of events, each in stream order. */
export type BatchEvents = {
  events: readonly SequencedEvent[];
  repositoryEvents?: readonly SequencedRepositoryEvent[];
  runEvents?: readonly SequencedRunEvent[];
};

/** The steps a batch's events touch, as stored before it: read by `loadStepsRead`, folded by `applyEvents`. */
export type StoredSteps = Map<string, StepRow>;

export const stepIdsOf = (events: readonly SequencedEvent[]): string[] => [...new Set(events.map((e) => e.event.metadata.stepId))];

export const loadStepsRead = (ids: readonly string[]): Statement => LOAD_STEPS([ids]);

export const storedSteps = (rows: readonly { record: unknown }[]): StoredSteps =>
  new Map(rows.map((r) => StepRecord.parse(r.record)).map((row) => [row.id, row]));

/**
 * Folds a batch into every read model inside the caller's transaction, in the order they depend on each other:
 * created runs first (a root that joins one in the same batch then updates its row instead of making it), then
 * steps and what hangs off them, then agent definitions. The projector and the replay CLI (which folds into a
 * scratch schema) both call this, so a new read model is added in one place.
 *
 * Reads happen only where a later statement needs their answer, so on a pipelined connection the batch is two
 * round trips after the steps are loaded: every write that needs nothing read, the steps' upsert and the runs'
 * root statuses together; then the runs' upsert and the rest, with `closing` (the projector's checkpoint and
 * COMMIT) at the end. `stored` is the touched steps when the caller already read them (in its first round trip).
 */
export const applyEvents = async (client: PoolClient, batch: BatchEvents, options: { stored?: StoredSteps; closing?: readonly Statement[] } = {}): Promise<{ steps: number }> => {
  const { events } = batch;
  const stored = options.stored ?? storedSteps((await client.query<{ record: unknown }>(loadStepsRead(stepIdsOf(events)))).rows);
  const changed = foldSteps(stored, events);
  const runs = uniqueRuns(changed.map((row) => ({ orgId: row.orgId, runId: row.runId })));
  const writes = [
    ...createdRunWrites(batch.runEvents ?? []),
    ...usageWrites(events),
    ...runDataWrites(events),
    ...stepActivityWrites(events),
    ...(changed.length > 0 ? [UPSERT_STEPS([toJsonParam(changed.map(toStepRecord))])] : []),
  ];
  const results = await sendInOrder<{ run_id: string; root_statuses: string[] }>(client, runs.length > 0 ? [...writes, rootStatusesRead(runs)] : writes);
  const roots = runs.length > 0 ? (results.at(-1)?.rows ?? []) : [];
  await sendInOrder(client, [
    ...upsertRunsWrites(runs, roots),
    ...forkLinkWrites(events),
    ...agentDefinitionWrites(batch.repositoryEvents ?? []),
    ...(options.closing ?? []),
  ]);
  return { steps: changed.length };
};
