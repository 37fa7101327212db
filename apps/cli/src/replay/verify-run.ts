import type { Pool, PoolClient } from '@shaman/platform';
import type { ReceivedCommit } from '@shaman/projector';
import { applyCommits } from './apply-commits.js';
import { diffRows, type RowDifference } from './diff-rows.js';
import { createScratchSchema, existingTables, quote, READ_MODEL_TABLES, type ReadModelTable } from './scratch-schema.js';

export type RunKey = { orgId: string; runId: string };
export type VerifyResult = {
  /** The live projector's checkpoint: events after it are not in the live rows yet, so they are left out of the rebuild too. */
  position: number;
  /** Commits folded into the scratch schema. */
  commits: number;
  tables: string[];
  rowsCompared: number;
  differences: RowDifference[];
};

type Row = Record<string, unknown>;

const rowsOf = async (client: PoolClient, input: { schema: string; table: ReadModelTable; run: RunKey }): Promise<Row[]> => {
  const { schema, table, run } = input;
  const sql = `SELECT to_jsonb(t) AS r FROM ${quote(schema)}.${quote(table.name)} t WHERE t.org_id = $1 AND t.${quote(table.runColumn ?? 'run_id')} = $2`;
  return (await client.query<{ r: Row }>(sql, [run.orgId, run.runId])).rows.map((x) => x.r);
};

/**
 * Rebuilds one run's read models from its commits in a scratch schema and compares them with the live rows,
 * column by column. Everything happens in one REPEATABLE READ transaction that is rolled back: the live rows
 * and the checkpoint are read from one snapshot, and the scratch schema never outlives the command (not even
 * a crash). No column is ignored: every value in these tables comes from an event (migrations/0003), stream
 * sequences included, so any difference is real.
 */
export const verifyRun = async (pool: Pool, input: { run: RunKey; commits: readonly ReceivedCommit[]; projection: string }): Promise<VerifyResult> => {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const checkpoint = await client.query<{ position: number }>('SELECT position FROM public.projection_checkpoints WHERE name = $1', [input.projection]);
    const position = checkpoint.rows[0]?.position ?? 0;
    const tables = await existingTables(client, READ_MODEL_TABLES.filter((t) => t.runColumn !== null));
    const live: Row[][] = [];
    for (const table of tables) live.push(await rowsOf(client, { schema: 'public', table, run: input.run }));
    const schema = await createScratchSchema(client, { prefix: 'replay', tables });
    const folded = input.commits.filter((c) => c.seq <= position);
    await applyCommits(client, folded);
    const differences: RowDifference[] = [];
    let rowsCompared = 0;
    for (const [i, table] of tables.entries()) {
      const rebuilt = await rowsOf(client, { schema, table, run: input.run });
      rowsCompared += Math.max(rebuilt.length, live[i]?.length ?? 0);
      differences.push(...diffRows(table, live[i] ?? [], rebuilt));
    }
    return { position, commits: folded.length, tables: tables.map((t) => t.name), rowsCompared, differences };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.query('RESET search_path').catch(() => undefined);
    client.release();
  }
};
