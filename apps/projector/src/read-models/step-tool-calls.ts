import { appendRows, type AppendOnlyTable } from './append-only.js';
import type { SequencedEvent } from './fold-steps.js';
import { toJsonParam } from './json-param.js';
import type { Statement } from './statements.js';

const STEP_TOOL_CALLS: AppendOnlyTable = {
  table: 'step_tool_calls',
  columns: [['org_id', 'uuid'], ['event_id', 'uuid'], ['run_id', 'uuid'], ['step_id', 'uuid'], ['tool_call_id', 'text'], ['iteration', 'integer'],
    ['name', 'text'], ['arguments', 'jsonb'], ['called_at', 'timestamptz'], ['seq', 'bigint']],
};

// A result fills the earliest still-open call of its step with its tool call id, recorded no later than itself
// (a call and its result may share a commit, hence a sequence). A result already written somewhere (replay,
// redelivery) fills nothing, and DISTINCT ON gives each result at most one call, so the unique
// result_event_id can never be violated, whatever ids a model reuses.
const FILL_RESULTS = `
  WITH r AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(org_id uuid, event_id uuid, step_id uuid, tool_call_id text, output jsonb,
      is_error boolean, latency_ms double precision, resulted_at timestamptz, seq bigint)
  ), pick AS (
    SELECT DISTINCT ON (r.event_id) r.*, c.event_id AS call_event_id
    FROM r JOIN step_tool_calls c ON c.org_id = r.org_id AND c.step_id = r.step_id AND c.tool_call_id = r.tool_call_id
      AND c.result_event_id IS NULL AND c.seq <= r.seq
    WHERE NOT EXISTS (SELECT 1 FROM step_tool_calls d WHERE d.result_event_id = r.event_id)
    ORDER BY r.event_id, c.seq, c.event_id
  )
  UPDATE step_tool_calls c SET result_event_id = pick.event_id, output = pick.output, is_error = pick.is_error,
    latency_ms = pick.latency_ms, resulted_at = pick.resulted_at
  FROM pick WHERE c.event_id = pick.call_event_id`;

/** Records every `ToolCalled` of the batch, then fills in the `ToolResulted`s: at most two statements. */
export const toolCallWrites = (events: readonly SequencedEvent[]): Statement[] => {
  const calls = events.flatMap(({ seq, event: { type, data, metadata } }) =>
    type === 'ToolCalled'
      ? [{ org_id: metadata.orgId, event_id: metadata.eventId, run_id: metadata.runId, step_id: metadata.stepId, tool_call_id: data.toolCallId,
          iteration: data.iteration, name: data.name, arguments: data.arguments, called_at: metadata.at, seq }]
      : [],
  );
  const inserts = appendRows(STEP_TOOL_CALLS, calls);
  const results = events.flatMap(({ seq, event: { type, data, metadata } }) =>
    type === 'ToolResulted'
      ? [{ org_id: metadata.orgId, event_id: metadata.eventId, step_id: metadata.stepId, tool_call_id: data.toolCallId,
          // A result without output is still a result: resulted_at, not output, tells whether the call returned.
          output: data.output ?? null, is_error: data.isError, latency_ms: data.latencyMs, resulted_at: metadata.at, seq }]
      : [],
  );
  return results.length > 0 ? [...inserts, { text: FILL_RESULTS, values: [toJsonParam(results)] }] : inserts;
};
