import type { Pool, PoolClient } from '@shaman/platform';
import pg from 'pg';

/** The default projection name: one checkpoint row for the runs/steps read models. */
export const DEFAULT_PROJECTION = 'read-models';

/** The last stream sequence folded into the read models; 0 before the first batch. */
export const readCheckpoint = async (pool: Pool, name: string): Promise<number> => {
  const result = await pool.query<{ position: number }>('SELECT position FROM projection_checkpoints WHERE name = $1', [name]);
  return result.rows[0]?.position ?? 0;
};

/**
 * Opens the batch's transaction, creates the checkpoint row if missing and locks it for the rest of the
 * transaction, so two projector instances apply batches one after the other and the second sees how far the
 * first got. One round trip: a simple query holding both statements (the name goes in as a literal).
 */
export const beginAndLockCheckpoint = async (client: PoolClient, name: string): Promise<number> => {
  const results = (await client.query(
    `BEGIN; INSERT INTO projection_checkpoints (name, position) VALUES (${pg.escapeLiteral(name)}, 0)
     ON CONFLICT (name) DO UPDATE SET position = projection_checkpoints.position RETURNING position`,
  )) as unknown as pg.QueryResult<{ position: string | number }>[];
  return Number(results[1]?.rows[0]?.position ?? 0);
};

/** Moves the checkpoint forward (never back) and commits the transaction, in one round trip. */
export const advanceCheckpointAndCommit = async (client: PoolClient, checkpoint: { name: string; position: number }): Promise<void> => {
  if (!Number.isSafeInteger(checkpoint.position)) throw new Error(`checkpoint position must be an integer, got ${checkpoint.position}`);
  await client.query(
    `UPDATE projection_checkpoints SET position = ${checkpoint.position}, updated_at = now() WHERE name = ${pg.escapeLiteral(checkpoint.name)} AND position < ${checkpoint.position}; COMMIT`,
  );
};
