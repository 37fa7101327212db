import type { Pool } from '@shaman/platform';
import { advanceCheckpointAndCommit, beginAndLockCheckpoint, lockedPosition } from './checkpoint.js';
import { applyEvents, loadStepsRead, stepIdsOf, storedSteps, type BatchEvents } from './read-models/apply-batch.js';
import type { SequencedRepositoryEvent } from './read-models/agent-definitions.js';
import type { SequencedRunEvent } from './read-models/created-runs.js';
import type { SequencedEvent } from './read-models/fold-steps.js';
import { sendInOrder } from './read-models/statements.js';

export { applyEvents, type BatchEvents };

/** What one flush covers: every commit up to `lastSeq` (undecodable ones included, as they are skipped). */
export type Batch = {
  name: string;
  lastSeq: number;
  events: readonly SequencedEvent[];
  repositoryEvents?: readonly SequencedRepositoryEvent[];
  runEvents?: readonly SequencedRunEvent[];
};
export type BatchOutcome = { applied: boolean; position: number; steps: number };

/**
 * Applies a batch and its checkpoint in one transaction: rows and position commit together or not at all,
 * so a crash between them cannot exist and a re-delivered batch is recognised and skipped. A batch the
 * checkpoint already covers (another instance applied it) changes nothing; one it partly covers applies only
 * the part after it.
 *
 * Round trips, not rows, are what the projector pays for (each wakes PostgreSQL and then the projector), so on
 * the projector's pipelined connection a batch is three: the transaction opens with the checkpoint's lock and
 * the touched steps' load (PostgreSQL runs the load after the lock is granted, so it sees what a previous
 * holder committed); `applyEvents` takes two more, the last of which closes with the checkpoint's advance and
 * COMMIT. The steps are loaded for the whole batch; the fold then takes only the events after the checkpoint.
 */
export const projectBatch = async (pool: Pool, batch: Batch): Promise<BatchOutcome> => {
  const client = await pool.connect();
  try {
    const [locked, loaded] = await sendInOrder<{ record: unknown }>(client, [beginAndLockCheckpoint(batch.name), loadStepsRead(stepIdsOf(batch.events))]);
    const position = lockedPosition(locked);
    if (position >= batch.lastSeq) {
      await client.query('COMMIT');
      return { applied: false, position, steps: 0 };
    }
    const after = <T extends { seq: number }>(list: readonly T[] | undefined): T[] => (list ?? []).filter((e) => e.seq > position);
    const { steps } = await applyEvents(
      client,
      { events: after(batch.events), repositoryEvents: after(batch.repositoryEvents), runEvents: after(batch.runEvents) },
      { stored: storedSteps(loaded?.rows ?? []), closing: [advanceCheckpointAndCommit({ name: batch.name, position: batch.lastSeq })] },
    );
    return { applied: true, position: batch.lastSeq, steps };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};
