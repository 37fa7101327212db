import type { PoolClient } from '@shaman/platform';
import { z } from 'zod';

// Reads of run data (migrations/0005_run_data.sql) inside `withOrg`: RLS scopes the table and its view.

export type RunDataEntry = { key: string; value: unknown; tags: string[]; agent: string; stepId: string; version: number; writtenAt: Date };

const Row = z.object({
  key: z.string(),
  value: z.unknown(),
  tags: z.array(z.string()),
  agent: z.string(),
  step_id: z.string(),
  version: z.number().int().nonnegative(),
  written_at: z.date(),
});
const toEntry = (row: unknown): RunDataEntry => {
  const r = Row.parse(row);
  return { key: r.key, value: r.value ?? null, tags: r.tags, agent: r.agent, stepId: r.step_id, version: r.version, writtenAt: r.written_at };
};

const COLUMNS = 'key, value, tags, agent, step_id, version, written_at';

/** Latest version per key; `starts_with` takes the prefix literally (no LIKE wildcards to escape). */
export const listLatestRunData = async (client: PoolClient, q: { runId: string; prefix: string | null; tag: string | null }): Promise<RunDataEntry[]> => {
  const { rows } = await client.query(
    `SELECT ${COLUMNS} FROM run_data_latest
      WHERE run_id = $1 AND ($2::text IS NULL OR starts_with(key, $2)) AND ($3::text IS NULL OR $3 = ANY(tags))
      ORDER BY key`,
    [q.runId, q.prefix, q.tag],
  );
  return rows.map(toEntry);
};

export const listRunDataHistory = async (client: PoolClient, q: { runId: string; key: string }): Promise<RunDataEntry[]> => {
  const { rows } = await client.query(
    `SELECT ${COLUMNS} FROM run_data WHERE run_id = $1 AND key = $2 ORDER BY version DESC, event_id DESC`,
    [q.runId, q.key],
  );
  return rows.map(toEntry);
};
