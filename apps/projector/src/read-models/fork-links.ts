import type { SequencedEvent } from './fold-steps.js';
import { toJsonParam } from './json-param.js';
import type { Statement } from './statements.js';

// Runs the same batch has just upserted (upsert-runs.ts never touches these columns, so the link stays).
const LINK_FORKS = `
  UPDATE runs SET forked_from_run_id = r.from_run, forked_from_step_id = r.from_step
  FROM jsonb_to_recordset($1::jsonb) AS r(org_id uuid, run_id uuid, from_run uuid, from_step uuid)
  WHERE runs.org_id = r.org_id AND runs.id = r.run_id`;

/** Links a run made by `shaman fork` to its origin: from its root step's `RunRequested.forkedFrom`. Idempotent. */
export const forkLinkWrites = (events: readonly SequencedEvent[]): Statement[] => {
  const rows = events.flatMap(({ event }) =>
    event.type === 'RunRequested' && event.data.forkedFrom && event.data.parentStepId === null
      ? [{ org_id: event.metadata.orgId, run_id: event.metadata.runId, from_run: event.data.forkedFrom.runId, from_step: event.data.forkedFrom.stepId }]
      : [],
  );
  return rows.length > 0 ? [{ text: LINK_FORKS, values: [toJsonParam(rows)] }] : [];
};
