import type { Pool } from '@shaman/platform';
import pg from 'pg';
import type { Statement } from './read-models/statements.js';

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
 * first got. One statement: a simple query holding both (the name goes in as a literal), so it can share a
 * round trip with what follows it on a pipelined connection. `lockedPosition` reads its answer.
 */
export const beginAndLockCheckpoint = (name: string): Statement => ({
  text: `BEGIN; INSERT INTO projection_checkpoints (name, position) VALUES (${pg.escapeLiteral(name)}, 0)
     ON CONFLICT (name) DO UPDATE SET position = projection_checkpoints.position RETURNING position`,
});

/** The checkpoint's position as `beginAndLockCheckpoint` locked it: the second of its two results. */
export const lockedPosition = (result: unknown): number => {
  const results = result as pg.QueryResult<{ position: string | number }>[];
  return Number(results[1]?.rows[0]?.position ?? 0);
};

/** Moves the checkpoint forward (never back) and commits the transaction: one statement, the batch's last. */
export const advanceCheckpointAndCommit = (checkpoint: { name: string; position: number }): Statement => {
  if (!Number.isSafeInteger(checkpoint.position)) throw new Error(`checkpoint position must be an integer, got ${checkpoint.position}`);
  return {
    text: `UPDATE projection_checkpoints SET position = ${checkpoint.position}, updated_at = now() WHERE name = ${pg.escapeLiteral(checkpoint.name)} AND position < ${checkpoint.position}; COMMIT`,
  };
};
