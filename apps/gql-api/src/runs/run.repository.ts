import type { PoolClient } from '@shaman/platform';
import type { RunFilter, RunPage } from './run-query.js';
import { toRun, toStep, type Run, type Step } from './run.mapper.js';

// Every query runs on a client inside `withOrg`: no org filter here, row-level security adds it (DESIGN §6).

const utcKey = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const RUN_COLUMNS = `id, status, root_agent, initiator_kind, initiator_id, step_count, input_tokens, output_tokens, created_at, updated_at,
  completed_at, forked_from_run_id, forked_from_step_id, ${utcKey('created_at')} AS created_key, ${utcKey('updated_at')} AS updated_key`;

const STEP_COLUMNS = `id, run_id, parent_step_id, depth, agent, initiator_kind, initiator_id, model, status, input, output, error, iterations,
  llm_calls, tool_calls, input_tokens, output_tokens, created_at, started_at, completed_at, attempts, retries, dead_lettered, kind, external_url`;

const ORDER_COLUMNS = { CREATED_AT: 'created_at', UPDATED_AT: 'updated_at' } as const;

/** SQL conditions for a filter, with their parameters numbered from `params.length + 1`. */
const whereOf = (filter: RunFilter, params: unknown[]): string[] => {
  const param = (value: unknown): string => `$${params.push(value)}`;
  const where: string[] = [];
  if (filter.statuses) where.push(`status = ANY(${param(filter.statuses)}::text[])`);
  if (filter.agent !== null) where.push(`root_agent = ${param(filter.agent)}`);
  // Half-open: [createdAfter, createdBefore), so adjacent ranges neither overlap nor leave a gap.
  if (filter.createdAfter) where.push(`created_at >= ${param(filter.createdAfter.toISOString())}::timestamptz`);
  if (filter.createdBefore) where.push(`created_at < ${param(filter.createdBefore.toISOString())}::timestamptz`);
  if (filter.initiator) where.push(`initiator_kind = ${param(filter.initiator.kind)}`);
  if (filter.initiator?.id != null) where.push(`initiator_id = ${param(filter.initiator.id)}`);
  return where;
};

const clause = (where: readonly string[]): string => (where.length > 0 ? `WHERE ${where.join(' AND ')}` : '');

export const findRun = async (client: PoolClient, id: string): Promise<Run | null> => {
  const { rows } = await client.query(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [id]);
  return rows[0] === undefined ? null : toRun(rows[0]);
};

/** One page of the filtered runs in the page's order, strictly after its cursor (keyset on `(column, id)`). */
export const listRuns = async (client: PoolClient, filter: RunFilter, page: RunPage): Promise<Run[]> => {
  const params: unknown[] = [];
  const where = whereOf(filter, params);
  const column = ORDER_COLUMNS[page.order.field];
  const direction = page.order.direction;
  if (page.after) {
    const beyond = direction === 'DESC' ? '<' : '>';
    where.push(`(${column}, id) ${beyond} (${`$${params.push(page.after.key)}`}::timestamptz, ${`$${params.push(page.after.id)}`}::uuid)`);
  }
  const { rows } = await client.query(
    `SELECT ${RUN_COLUMNS} FROM runs ${clause(where)} ORDER BY ${column} ${direction}, id ${direction} LIMIT $${params.push(page.limit)}`,
    params,
  );
  return rows.map(toRun);
};

export const countRuns = async (client: PoolClient, filter: RunFilter): Promise<number> => {
  const params: unknown[] = [];
  const { rows } = await client.query<{ count: number }>(`SELECT count(*)::int AS count FROM runs ${clause(whereOf(filter, params))}`, params);
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

export const findStep = async (client: PoolClient, id: string): Promise<Step | null> => {
  const { rows } = await client.query(`SELECT ${STEP_COLUMNS} FROM steps WHERE id = $1`, [id]);
  return rows[0] === undefined ? null : toStep(rows[0]);
};
