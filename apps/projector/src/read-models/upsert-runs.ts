import { deriveRunStatus, isTerminalRowStatus } from '@shaman/domain';
import { preparedStatement } from '@shaman/platform';
import { toJsonParam } from './json-param.js';
import type { Statement } from './statements.js';

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

type RootStatusesRow = { run_id: string; root_statuses: string[] };

/** Each run once, even if (bad data) two organizations used its id: the upsert must never touch a row twice. */
export const uniqueRuns = (keys: readonly RunKey[]): RunKey[] => [...new Map(keys.map((k) => [k.runId, k])).values()];

/** Reads the runs' root statuses; sent after their steps' upsert, in the same transaction, so it sees it. */
export const rootStatusesRead = (runs: readonly RunKey[]): Statement => ROOT_STATUSES([runs.map((k) => k.orgId), runs.map((k) => k.runId)]);

/**
 * Recomputes the runs from their steps and the root statuses read after the steps' upsert: one statement per
 * batch whatever its size (none when no run has a step).
 */
export const upsertRunsWrites = (runs: readonly RunKey[], roots: readonly RootStatusesRow[]): Statement[] => {
  const statusOf = new Map(roots.map((r) => [r.run_id, deriveRunStatus(r.root_statuses)]));
  const rows = runs.flatMap(({ orgId, runId }) => {
    const status = statusOf.get(runId);
    return status === undefined ? [] : [{ org_id: orgId, run_id: runId, status, terminal: isTerminalRowStatus(status) }];
  });
  return rows.length > 0 ? [UPSERT_RUNS([toJsonParam(rows)])] : [];
};
