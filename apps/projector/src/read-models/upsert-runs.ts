import { deriveRunStatus, isTerminalRowStatus } from '@shaman/domain';
import { preparedStatement, type PoolClient } from '@shaman/platform';
import { toJsonParam } from './json-param.js';

export type RunKey = { orgId: string; runId: string };

// The aggregate inside LATERAL is deliberate: a plain LATERAL subquery is pulled up into a join, and a generic
// plan made while `steps` is small (every new database) hash-joins a sequential scan of the whole table, then
// keeps that plan as the table grows. An aggregate cannot be pulled up, so each run is one `steps_run` probe.
export const ROOT_STATUSES = preparedStatement(
  'projector.root-statuses',
  `
  SELECT k.run_id::text AS run_id, s.root_statuses
  FROM unnest($1::uuid[], $2::uuid[]) AS k(org_id, run_id)
  CROSS JOIN LATERAL (
    SELECT count(*) AS steps, coalesce(array_agg(status) FILTER (WHERE parent_step_id IS NULL), '{}') AS root_statuses
    FROM steps WHERE steps.org_id = k.org_id AND steps.run_id = k.run_id
  ) AS s
  WHERE s.steps > 0`,
);

// Aggregates stay in SQL so timestamps never round-trip through JS; only the status rule comes from the
// domain (deriveRunStatus), so the projector and any other reader of root statuses cannot disagree.
// LATERAL, one index probe of `steps_run` per run: a join against the recordset lets the planner (which guesses
// 100 rows for it) hash-join a sequential scan of every step instead, per batch, a cost that grows with the table.
export const UPSERT_RUNS = preparedStatement(
  'projector.upsert-runs',
  `
  INSERT INTO runs (org_id, id, status, root_agent, initiator_kind, initiator_id, step_count, input_tokens, output_tokens, created_at,
    updated_at, completed_at, last_seq)
  SELECT r.org_id, r.run_id, r.status, a.root_agent, a.initiator_kind, a.initiator_id, a.step_count, a.input_tokens, a.output_tokens,
    a.created_at, a.updated_at, CASE WHEN r.terminal THEN a.root_completed_at END, a.last_seq
  FROM jsonb_to_recordset($1::jsonb) AS r(org_id uuid, run_id uuid, status text, terminal boolean)
  CROSS JOIN LATERAL (
    SELECT
      (array_agg(s.agent ORDER BY s.parent_step_id IS NOT NULL, s.created_at, s.id))[1] AS root_agent,
      (array_agg(s.initiator_kind ORDER BY s.parent_step_id IS NOT NULL, s.created_at, s.id))[1] AS initiator_kind,
      (array_agg(s.initiator_id ORDER BY s.parent_step_id IS NOT NULL, s.created_at, s.id))[1] AS initiator_id,
      count(*) AS step_count, sum(s.input_tokens) AS input_tokens, sum(s.output_tokens) AS output_tokens,
      min(s.created_at) AS created_at, max(s.updated_at) AS updated_at,
      max(s.completed_at) FILTER (WHERE s.parent_step_id IS NULL) AS root_completed_at, max(s.last_seq) AS last_seq
    FROM steps s WHERE s.org_id = r.org_id AND s.run_id = r.run_id
  ) AS a
  WHERE a.step_count > 0
  ON CONFLICT (id) DO UPDATE SET
    status = EXCLUDED.status, root_agent = EXCLUDED.root_agent,
    -- A run opened by createRun keeps its creator and creation time (created-runs.ts); others take their first root's.
    initiator_kind = COALESCE(runs.initiator_kind, EXCLUDED.initiator_kind),
    initiator_id = CASE WHEN runs.initiator_kind IS NULL THEN EXCLUDED.initiator_id ELSE runs.initiator_id END,
    step_count = EXCLUDED.step_count,
    input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens, created_at = LEAST(runs.created_at, EXCLUDED.created_at),
    updated_at = EXCLUDED.updated_at, completed_at = EXCLUDED.completed_at, last_seq = EXCLUDED.last_seq`,
);

/**
 * Recomputes the given runs from their steps (already upserted in this transaction): two statements per
 * batch whatever its size. A run id is keyed once even if (bad data) two organizations used it, so the
 * upsert never touches a row twice.
 */
export const upsertRuns = async (client: PoolClient, keys: readonly RunKey[]): Promise<void> => {
  const unique = [...new Map(keys.map((k) => [k.runId, k])).values()];
  if (unique.length === 0) return;
  const roots = await client.query<{ run_id: string; root_statuses: string[] }>(ROOT_STATUSES([unique.map((k) => k.orgId), unique.map((k) => k.runId)]));
  const statusOf = new Map(roots.rows.map((r) => [r.run_id, deriveRunStatus(r.root_statuses)]));
  const runs = unique.flatMap(({ orgId, runId }) => {
    const status = statusOf.get(runId);
    return status === undefined ? [] : [{ org_id: orgId, run_id: runId, status, terminal: isTerminalRowStatus(status) }];
  });
  await client.query(UPSERT_RUNS([toJsonParam(runs)]));
};
