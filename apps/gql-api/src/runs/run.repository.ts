import type { PoolClient } from '@shaman/platform';
import type { RunCursor } from './run.cursor.js';
import { toRun, toStep, type Run, type Step } from './run.mapper.js';

// Every query runs on a client inside `withOrg`: no org filter here, row-level security adds it (DESIGN §6).

const RUN_COLUMNS = `id, status, root_agent, step_count, input_tokens, output_tokens, created_at, updated_at, completed_at,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_key`;

const STEP_COLUMNS = `id, run_id, parent_step_id, depth, agent, model, status, input, output, error, iterations,
  llm_calls, tool_calls, input_tokens, output_tokens, created_at, started_at, completed_at`;

export const findRun = async (client: PoolClient, id: string): Promise<Run | null> => {
  const { rows } = await client.query(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [id]);
  return rows[0] === undefined ? null : toRun(rows[0]);
};

/** Newest first, strictly after `after` in that order (keyset on the runs_org_created index). */
export const listRuns = async (client: PoolClient, page: { limit: number; after: RunCursor | null }): Promise<Run[]> => {
  const { rows } = page.after
    ? await client.query(
        `SELECT ${RUN_COLUMNS} FROM runs WHERE (created_at, id) < ($2::timestamptz, $3::uuid)
          ORDER BY created_at DESC, id DESC LIMIT $1`,
        [page.limit, page.after.createdAt, page.after.id],
      )
    : await client.query(`SELECT ${RUN_COLUMNS} FROM runs ORDER BY created_at DESC, id DESC LIMIT $1`, [page.limit]);
  return rows.map(toRun);
};

export const countRuns = async (client: PoolClient): Promise<number> => {
  const { rows } = await client.query<{ count: number }>('SELECT count(*)::int AS count FROM runs');
  return rows[0]?.count ?? 0;
};

/** The steps of several runs in one query, each run's in creation order. */
export const listStepsOfRuns = async (client: PoolClient, runIds: readonly string[]): Promise<Step[]> => {
  const { rows } = await client.query(
    `SELECT ${STEP_COLUMNS} FROM steps WHERE run_id = ANY($1::uuid[]) ORDER BY run_id, created_at, id`,
    [runIds],
  );
  return rows.map(toStep);
};
