import type { SequencedEvent } from './fold-steps.js';
import { appendRows, type AppendOnlyTable } from './append-only.js';
import type { Statement } from './statements.js';

// The version is the commit's stream sequence, so "latest" (the run_data_latest view) is the order the
// executor reads in.
const RUN_DATA: AppendOnlyTable = {
  table: 'run_data',
  columns: [['org_id', 'uuid'], ['event_id', 'uuid'], ['run_id', 'uuid'], ['step_id', 'uuid'], ['agent', 'text'], ['key', 'text'],
    ['value', 'jsonb'], ['tags', 'text[]'], ['version', 'bigint'], ['written_at', 'timestamptz']],
};

/** Appends every `RunDataWritten` of the batch to `run_data`, in one statement. */
export const runDataWrites = (events: readonly SequencedEvent[]): Statement[] => {
  const rows = events.flatMap(({ seq, event }) =>
    event.type === 'RunDataWritten'
      ? [{
          org_id: event.metadata.orgId,
          event_id: event.metadata.eventId,
          run_id: event.metadata.runId,
          step_id: event.metadata.stepId,
          agent: event.data.agent,
          key: event.data.key,
          value: event.data.value,
          tags: event.data.tags,
          version: seq,
          written_at: event.metadata.at,
        }]
      : [],
  );
  return appendRows(RUN_DATA, rows);
};
