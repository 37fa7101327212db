import { evolveStepRow, type StepRow } from '@shaman/domain';
import type { ShamanEvent } from '@shaman/events';

/** An event and the stream sequence of the commit that carried it (one commit may carry several). */
export type SequencedEvent = { seq: number; event: ShamanEvent };

/**
 * Folds a batch into the step rows it touches and returns only the rows that changed. An event at or below a
 * stored row's `lastSeq` was applied by an earlier transaction and is skipped: that makes re-applying a batch
 * a no-op even without the checkpoint. (The comparison is against the row as loaded, not as folded so far,
 * because the events of one commit share a sequence.)
 */
export const foldSteps = (stored: ReadonlyMap<string, StepRow>, events: readonly SequencedEvent[]): StepRow[] => {
  const rows = new Map(stored);
  for (const { seq, event } of events) {
    const id = event.metadata.stepId;
    if (seq <= (stored.get(id)?.lastSeq ?? 0)) continue;
    const next = evolveStepRow(rows.get(id) ?? null, event, seq);
    if (next !== null) rows.set(id, next);
  }
  return [...rows.values()].filter((row) => row !== stored.get(row.id));
};
