import { preparedStatement, type Pool, type PoolClient } from '@shaman/platform';

/** The default projection name: one checkpoint row for the runs/steps read models. */
export const DEFAULT_PROJECTION = 'read-models';

const LOCK_CHECKPOINT = preparedStatement(
  'projector.lock-checkpoint',
  `INSERT INTO projection_checkpoints (name, position) VALUES ($1, 0)
   ON CONFLICT (name) DO UPDATE SET position = projection_checkpoints.position
   RETURNING position`,
);
const ADVANCE_CHECKPOINT = preparedStatement(
  'projector.advance-checkpoint',
  'UPDATE projection_checkpoints SET position = $2, updated_at = now() WHERE name = $1 AND position < $2',
);

/** The last stream sequence folded into the read models; 0 before the first batch. */
export const readCheckpoint = async (pool: Pool, name: string): Promise<number> => {
  const result = await pool.query<{ position: number }>('SELECT position FROM projection_checkpoints WHERE name = $1', [name]);
  return result.rows[0]?.position ?? 0;
};

/**
 * Creates the checkpoint row if missing and locks it for the rest of the transaction, so two projector
 * instances apply batches one after the other and the second sees how far the first got.
 */
export const lockCheckpoint = async (client: PoolClient, name: string): Promise<number> => {
  const result = await client.query<{ position: number }>(LOCK_CHECKPOINT([name]));
  return result.rows[0]?.position ?? 0;
};

/** Moves the checkpoint forward (never back) in the caller's transaction. */
export const advanceCheckpoint = async (client: PoolClient, checkpoint: { name: string; position: number }): Promise<void> => {
  await client.query(ADVANCE_CHECKPOINT([checkpoint.name, checkpoint.position]));
};
