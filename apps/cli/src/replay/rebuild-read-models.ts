import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger, Pool, PoolClient } from '@shaman/platform';
import { applyCommits } from './apply-commits.js';
import { createScratchSchema, dropScratchSchema, existingTables, quote, READ_MODEL_TABLES, type ReadModelTable } from './scratch-schema.js';
import { lastSequence, readCommitBatches, type StreamLayout } from './stream-commits.js';

export type RebuildProgress = { commits: number; events: number; position: number };
export type RebuildDeps = {
  pool: Pool;
  nc: NatsConnection;
  layout: StreamLayout;
  logger: Logger;
  /** The checkpoint row the rebuilt tables are consistent with. */
  name: string;
  /** Commits folded per statement group. */
  batch: number;
  onProgress?: (progress: RebuildProgress) => void;
};
export type RebuildResult = RebuildProgress & { rows: Record<string, number> };

const LOCK_CHECKPOINT = `
  INSERT INTO public.projection_checkpoints (name, position) VALUES ($1, 0)
  ON CONFLICT (name) DO UPDATE SET position = public.projection_checkpoints.position
  RETURNING position`;

type Folding = { client: PoolClient; deps: RebuildDeps; done: RebuildProgress };

/**
 * Folds a range of the stream. Reading is pipelined with writing: the next batch is fetched and parsed while
 * PostgreSQL applies the current one, so neither waits for the other.
 */
const foldRange = async (f: Folding, range: { fromSeq: number; toSeq: number }): Promise<void> => {
  const { client, deps, done } = f;
  const batches = readCommitBatches(deps.nc, { ...deps.layout, ...range, batch: deps.batch, logger: deps.logger });
  try {
    let next = batches.next();
    for (;;) {
      const current = await next;
      if (current.done === true) return;
      next = batches.next();
      next.catch(() => undefined); // observed on the next turn; this only keeps a failure from being "unhandled" meanwhile
      const commits = current.value;
      done.events += await applyCommits(client, commits);
      done.commits += commits.length;
      done.position = commits.at(-1)?.seq ?? done.position;
      deps.onProgress?.({ ...done });
    }
  } finally {
    await batches.return(undefined);
  }
};

/**
 * Whether runs were deleted by retention (migrations/0015). Their usage-ledger rows are kept on purpose (money
 * spent outlives the recording) and have no events left to rebuild them from, so the swap leaves them in place.
 */
const keptByRetention = async (f: Folding): Promise<boolean> =>
  (await f.client.query<{ t: string | null }>("SELECT to_regclass('public.retention_purges')::text AS t")).rows[0]?.t != null;

/**
 * Replaces the live tables by the scratch ones while the live projector waits on its checkpoint row: the
 * commits it appended meanwhile are folded first, so the tables and the checkpoint agree. DELETE rather than
 * TRUNCATE: readers keep seeing the old rows (MVCC) until the commit, instead of blocking or seeing nothing.
 */
const swap = async (f: Folding, input: { schema: string; tables: readonly ReadModelTable[] }): Promise<Record<string, number>> => {
  const { client, deps, done } = f;
  await client.query(LOCK_CHECKPOINT, [deps.name]);
  await foldRange(f, { fromSeq: done.position + 1, toSeq: await lastSequence(deps.nc, deps.layout) });
  const rows: Record<string, number> = {};
  const kept = await keptByRetention(f);
  for (const { name } of input.tables) {
    const table = `public.${quote(name)}`;
    await client.query(`DELETE FROM ${table}${kept && name === 'usage_ledger' ? ' WHERE (org_id, run_id) NOT IN (SELECT org_id, run_id FROM public.retention_purges)' : ''}`);
    rows[name] = (await client.query(`INSERT INTO ${table} SELECT * FROM ${quote(input.schema)}.${quote(name)}`)).rowCount ?? 0;
  }
  await client.query('UPDATE public.projection_checkpoints SET position = $2, updated_at = now() WHERE name = $1', [deps.name, done.position]);
  return rows;
};

/**
 * Rebuilds every read model from the whole stream, in one transaction: the fold goes into a scratch schema,
 * then replaces the live rows and sets the checkpoint. A crash anywhere (even SIGKILL) rolls everything back,
 * scratch schema included, and leaves the live read models as they were.
 */
export const rebuildReadModels = async (deps: RebuildDeps): Promise<RebuildResult> => {
  const client = await deps.pool.connect();
  try {
    await client.query('BEGIN');
    const tables = await existingTables(client, READ_MODEL_TABLES);
    const schema = await createScratchSchema(client, { prefix: 'rebuild', tables });
    const f: Folding = { client, deps, done: { commits: 0, events: 0, position: 0 } };
    await foldRange(f, { fromSeq: 1, toSeq: await lastSequence(deps.nc, deps.layout) });
    const rows = await swap(f, { schema, tables });
    await dropScratchSchema(client, schema);
    await client.query('COMMIT');
    return { ...f.done, rows };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.query('RESET search_path').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};
