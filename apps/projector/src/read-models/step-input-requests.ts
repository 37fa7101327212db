import { appendRows, type AppendOnlyTable } from './append-only.js';
import type { SequencedEvent } from './fold-steps.js';
import { toJsonParam } from './json-param.js';
import type { Statement } from './statements.js';

const STEP_INPUT_REQUESTS: AppendOnlyTable = {
  table: 'step_input_requests',
  columns: [['org_id', 'uuid'], ['event_id', 'uuid'], ['run_id', 'uuid'], ['step_id', 'uuid'], ['tool_call_id', 'text'], ['prompt', 'text'],
    ['requested_at', 'timestamptz'], ['seq', 'bigint']],
};

// `StepInputProvided` names no question: it answers the step's pending one, i.e. the latest request recorded
// before it and still open (the step decider allows one at a time). An answer already written (replay,
// redelivery) fills nothing, and the sequence bound keeps a redelivered old answer off a newer question.
const FILL_ANSWERS = `
  WITH a AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(org_id uuid, event_id uuid, step_id uuid, answer jsonb, answered_by_kind text,
      answered_by_id text, answered_at timestamptz, seq bigint)
  ), pick AS (
    SELECT DISTINCT ON (a.event_id) a.*, q.event_id AS request_event_id
    FROM a JOIN step_input_requests q ON q.org_id = a.org_id AND q.step_id = a.step_id AND q.answer_event_id IS NULL AND q.seq < a.seq
    WHERE NOT EXISTS (SELECT 1 FROM step_input_requests d WHERE d.answer_event_id = a.event_id)
    ORDER BY a.event_id, q.seq DESC, q.event_id
  )
  UPDATE step_input_requests q SET answer_event_id = pick.event_id, answer = pick.answer, answered_by_kind = pick.answered_by_kind,
    answered_by_id = pick.answered_by_id, answered_at = pick.answered_at
  FROM pick WHERE q.event_id = pick.request_event_id`;

/** Records every `StepInputRequired` of the batch, then the answers (`StepInputProvided`): at most two statements. */
export const inputRequestWrites = (events: readonly SequencedEvent[]): Statement[] => {
  const requests = events.flatMap(({ seq, event: { type, data, metadata } }) =>
    type === 'StepInputRequired'
      ? [{ org_id: metadata.orgId, event_id: metadata.eventId, run_id: metadata.runId, step_id: metadata.stepId, tool_call_id: data.toolCallId,
          prompt: data.prompt, requested_at: metadata.at, seq }]
      : [],
  );
  const inserts = appendRows(STEP_INPUT_REQUESTS, requests);
  const answers = events.flatMap(({ seq, event: { type, data, metadata } }) =>
    type === 'StepInputProvided'
      ? [{ org_id: metadata.orgId, event_id: metadata.eventId, step_id: metadata.stepId, answer: data.message, answered_by_kind: data.providedBy.kind,
          answered_by_id: data.providedBy.id, answered_at: metadata.at, seq }]
      : [],
  );
  return answers.length > 0 ? [...inserts, { text: FILL_ANSWERS, values: [toJsonParam(answers)] }] : inserts;
};
