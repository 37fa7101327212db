import { withTransaction, type Pool } from '@shaman/platform';
import { advanceCheckpoint, lockCheckpoint } from './checkpoint.js';
import { applyBatch } from './read-models/apply-batch.js';
import type { SequencedEvent } from './read-models/fold-steps.js';

/** What one flush covers: every commit up to `lastSeq` (undecodable ones included, as they are skipped). */
export type Batch = { name: string; lastSeq: number; events: readonly SequencedEvent[] };
export type BatchOutcome = { applied: boolean; position: number; steps: number };

/**
 * Applies a batch and its checkpoint in one transaction: rows and position commit together or not at all,
 * so a crash between them cannot exist and a re-delivered batch is recognised and skipped. A batch the
 * checkpoint already covers (another instance applied it) changes nothing; one it partly covers applies only
 * the part after it.
 */
export const projectBatch = (pool: Pool, batch: Batch): Promise<BatchOutcome> =>
  withTransaction(pool, async (client) => {
    const position = await lockCheckpoint(client, batch.name);
    if (position >= batch.lastSeq) return { applied: false, position, steps: 0 };
    const { steps } = await applyBatch(client, batch.events.filter((e) => e.seq > position));
    await advanceCheckpoint(client, { name: batch.name, position: batch.lastSeq });
    return { applied: true, position: batch.lastSeq, steps };
  });
