import type { Pool, PoolClient } from '@shaman/platform';
import { advanceCheckpointAndCommit, beginAndLockCheckpoint } from './checkpoint.js';
import { applyBatch } from './read-models/apply-batch.js';
import { applyAgentDefinitions, type SequencedRepositoryEvent } from './read-models/agent-definitions.js';
import { applyCreatedRuns, type SequencedRunEvent } from './read-models/created-runs.js';
import type { SequencedEvent } from './read-models/fold-steps.js';

/** What one flush covers: every commit up to `lastSeq` (undecodable ones included, as they are skipped). */
export type Batch = {
  name: string;
  lastSeq: number;
  events: readonly SequencedEvent[];
  repositoryEvents?: readonly SequencedRepositoryEvent[];
  runEvents?: readonly SequencedRunEvent[];
};
export type BatchOutcome = { applied: boolean; position: number; steps: number };

/** What a batch holds, whatever its checkpoint: the events of its commits, by family. */
export type BatchEvents = Pick<Batch, 'events' | 'repositoryEvents' | 'runEvents'>;

/**
 * Folds a batch's events into the read models of the session's `search_path`, every read model in its order:
 * created runs first (a root that joins one in the same batch then updates its row instead of making it),
 * then steps and what hangs off them, then agent definitions. The projector and the replay CLI (which folds
 * into a scratch schema) both call this, so a new read model is added in one place.
 */
export const applyEvents = async (client: PoolClient, batch: BatchEvents): Promise<{ steps: number }> => {
  await applyCreatedRuns(client, batch.runEvents ?? []);
  const outcome = await applyBatch(client, batch.events);
  await applyAgentDefinitions(client, batch.repositoryEvents ?? []);
  return outcome;
};

/**
 * Applies a batch and its checkpoint in one transaction: rows and position commit together or not at all,
 * so a crash between them cannot exist and a re-delivered batch is recognised and skipped. A batch the
 * checkpoint already covers (another instance applied it) changes nothing; one it partly covers applies only
 * the part after it. The transaction opens with the checkpoint's lock and closes with its advance, each in the
 * same round trip: at a hundred batches a second, round trips are most of what the projector spends.
 */
export const projectBatch = async (pool: Pool, batch: Batch): Promise<BatchOutcome> => {
  const client = await pool.connect();
  try {
    const position = await beginAndLockCheckpoint(client, batch.name);
    if (position >= batch.lastSeq) {
      await client.query('COMMIT');
      return { applied: false, position, steps: 0 };
    }
    const after = <T extends { seq: number }>(list: readonly T[] | undefined): T[] => (list ?? []).filter((e) => e.seq > position);
    const { steps } = await applyEvents(client, { events: after(batch.events), repositoryEvents: after(batch.repositoryEvents), runEvents: after(batch.runEvents) });
    await advanceCheckpointAndCommit(client, { name: batch.name, position: batch.lastSeq });
    return { applied: true, position: batch.lastSeq, steps };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};
