import { withOrg, type ApiKeyPrincipal, type Pool } from '@shaman/platform';
import { z } from 'zod';
import { A2AError } from '../errors.js';
import { parseParams } from '../jsonrpc/envelope.js';
import type { TaskReader } from './task-reader.js';
import { toA2ATask, type A2ATask, type StepView, type TaskState } from './task-view.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `tasks/list` params in v0.3 terms (lowercase states); v1.0 `ListTasks` is translated onto this. */
export const ListTasksParams = z.object({
  contextId: z.string().min(1).optional(),
  status: z.enum(['submitted', 'working', 'input-required', 'completed', 'canceled', 'failed', 'rejected']).optional(),
  pageSize: z.number().int().min(1).max(100).optional(),
  pageToken: z.string().optional(),
  historyLength: z.number().int().nonnegative().optional(),
  statusTimestampAfter: z.iso.datetime({ offset: true }).optional(),
  includeArtifacts: z.boolean().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

type Cursor = { t: string; id: string };
// Opaque to clients: the keyset position of the last task of a page (its timestamp as PostgreSQL printed it, so
// microseconds survive, and its id to break ties).
const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
const decodeCursor = (token: string): Cursor => {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString()) as Partial<Cursor>;
    if (typeof c.t === 'string' && typeof c.id === 'string' && UUID.test(c.id) && !Number.isNaN(Date.parse(c.t))) return { t: c.t, id: c.id };
  } catch {
    // fall through to the error below
  }
  throw new A2AError('invalid_params', 'Invalid params: pageToken is not one this server issued', [{ path: 'pageToken', message: 'invalid' }]);
};

type Row = { id: string; org_id: string; run_id: string; agent: string; status: TaskState; input: StepView['input']; output: StepView['output']; error: StepView['error']; updated_at: Date; cursor_t: string };

/**
 * `ListTasks` (v1.0) / `GET …/tasks` (REST, both versions): the caller's organization's tasks from the read
 * model (RLS-bound, so another organization's never appear), newest status first, keyset-paginated.
 * `totalSize` counts every task matching the filters, across pages.
 */
export const listTasks = (deps: { pool: Pool; tasks: Pick<TaskReader, 'get'> }) => async (principal: ApiKeyPrincipal, rawParams: unknown) => {
  const params = parseParams(ListTasksParams, rawParams ?? {});
  const pageSize = params.pageSize ?? 50;
  const cursor = params.pageToken ? decodeCursor(params.pageToken) : null;
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (sql: (n: number) => string, value: unknown) => {
    values.push(value);
    where.push(sql(values.length));
  };
  if (params.contextId !== undefined) {
    if (!UUID.test(params.contextId)) return { tasks: [], nextPageToken: '', pageSize, totalSize: 0 };
    add((n) => `run_id = $${n}`, params.contextId);
  }
  if (params.status) add((n) => `status = $${n}`, params.status);
  if (params.statusTimestampAfter) add((n) => `updated_at >= $${n}`, params.statusTimestampAfter); // "greater than or equal" (a2a.proto)
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const { rows, total } = await withOrg(deps.pool, principal.orgId, async (c) => {
    const total = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM steps ${filter}`, values)).rows[0]?.n ?? 0);
    const page = cursor ? [...values, cursor.t, cursor.id] : values;
    const after = cursor ? `${filter ? `${filter} AND` : 'WHERE'} (updated_at, id) < ($${values.length + 1}::timestamptz, $${values.length + 2}::uuid)` : filter;
    const sql = `SELECT id, org_id, run_id, agent, status, input, output, error, updated_at, updated_at::text AS cursor_t FROM steps ${after} ORDER BY updated_at DESC, id DESC LIMIT ${pageSize + 1}`;
    return { rows: (await c.query<Row>(sql, page)).rows, total };
  });
  const more = rows.length > pageSize;
  const shown = rows.slice(0, pageSize);
  const last = shown.at(-1);
  // The read model keeps no question: an input-required task reads it from the log, as tasks/get does.
  const views = await Promise.all(shown.map(async (r) => (r.status === 'input-required' ? ((await deps.tasks.get(principal.orgId, r.id)) ?? rowView(r)) : rowView(r))));
  return {
    tasks: views.map((v) => shape(v, params)),
    nextPageToken: more && last ? encodeCursor({ t: last.cursor_t, id: last.id }) : '',
    pageSize,
    totalSize: total,
  };
};

const rowView = (r: Row): StepView => ({ orgId: r.org_id, runId: r.run_id, stepId: r.id, agent: r.agent, status: r.status, input: r.input, output: r.output, error: r.error, question: null, updatedAt: r.updated_at.toISOString() });

const shape = (v: StepView, params: z.infer<typeof ListTasksParams>): A2ATask => {
  const task = toA2ATask(v, { historyLength: params.historyLength });
  if (params.includeArtifacts) return task;
  const { artifacts: _artifacts, ...rest } = task;
  return rest as A2ATask;
};
