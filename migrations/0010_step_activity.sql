-- What a step did, for the GraphQL step detail: its tool calls, model calls and questions to a person. Read
-- models like 0004/0005: every value comes from an event, rows are keyed by the event that created them, so a
-- replayed batch inserts nothing twice, and a later event (a tool's result, a person's answer) fills the row
-- it belongs to once (its event id is unique, and the projector only fills a row still open).

-- Who asked for a step (RunRequested.data.initiator) and, for a run, who asked for its root step. Null for rows
-- projected before this migration.
ALTER TABLE steps ADD COLUMN initiator_kind text, ADD COLUMN initiator_id text;
ALTER TABLE runs ADD COLUMN initiator_kind text, ADD COLUMN initiator_id text;
-- The runs query filters and orders on these (always within one organization).
CREATE INDEX runs_org_updated ON runs (org_id, updated_at DESC, id DESC);
CREATE INDEX runs_org_status ON runs (org_id, status, created_at DESC);
CREATE INDEX runs_org_agent ON runs (org_id, root_agent, created_at DESC);
CREATE INDEX runs_org_initiator ON runs (org_id, initiator_kind, initiator_id, created_at DESC);

-- One row per ToolCalled; the matching ToolResulted (same step, same tool call id) fills the result columns.
CREATE TABLE step_tool_calls (
  org_id uuid NOT NULL,
  event_id uuid PRIMARY KEY,
  run_id uuid NOT NULL,
  step_id uuid NOT NULL,
  tool_call_id text NOT NULL,
  iteration integer NOT NULL,
  name text NOT NULL,
  arguments jsonb NOT NULL,
  called_at timestamptz NOT NULL,
  seq bigint NOT NULL,
  result_event_id uuid UNIQUE,
  output jsonb,
  is_error boolean,
  latency_ms double precision,
  resulted_at timestamptz
);
CREATE INDEX step_tool_calls_step ON step_tool_calls (org_id, step_id, seq);
CREATE INDEX step_tool_calls_run ON step_tool_calls (org_id, run_id);
ALTER TABLE step_tool_calls ENABLE ROW LEVEL SECURITY;
ALTER TABLE step_tool_calls FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON step_tool_calls USING (org_id = current_org_id()) WITH CHECK (org_id = current_org_id());

-- One row per LlmResponded, with the price of its UsageRecorded (same commit, same step and iteration).
CREATE TABLE step_llm_calls (
  org_id uuid NOT NULL,
  event_id uuid PRIMARY KEY,
  run_id uuid NOT NULL,
  step_id uuid NOT NULL,
  iteration integer NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  content text,
  finish_reason text NOT NULL,
  tool_call_count integer NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  latency_ms double precision NOT NULL,
  -- Null when no UsageRecorded came with the call.
  cost_micros bigint,
  price_table text,
  responded_at timestamptz NOT NULL,
  seq bigint NOT NULL
);
CREATE INDEX step_llm_calls_step ON step_llm_calls (org_id, step_id, seq);
CREATE INDEX step_llm_calls_run ON step_llm_calls (org_id, run_id);
ALTER TABLE step_llm_calls ENABLE ROW LEVEL SECURITY;
ALTER TABLE step_llm_calls FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON step_llm_calls USING (org_id = current_org_id()) WITH CHECK (org_id = current_org_id());

-- One row per StepInputRequired; the next StepInputProvided of the step (a later stream sequence) answers it.
CREATE TABLE step_input_requests (
  org_id uuid NOT NULL,
  event_id uuid PRIMARY KEY,
  run_id uuid NOT NULL,
  step_id uuid NOT NULL,
  tool_call_id text NOT NULL,
  prompt text NOT NULL,
  requested_at timestamptz NOT NULL,
  seq bigint NOT NULL,
  answer_event_id uuid UNIQUE,
  answer jsonb,
  answered_by_kind text,
  answered_by_id text,
  answered_at timestamptz
);
CREATE INDEX step_input_requests_step ON step_input_requests (org_id, step_id, seq);
CREATE INDEX step_input_requests_run ON step_input_requests (org_id, run_id);
ALTER TABLE step_input_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE step_input_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON step_input_requests USING (org_id = current_org_id()) WITH CHECK (org_id = current_org_id());

-- Per-step cost without scanning the whole ledger of the organization.
CREATE INDEX usage_ledger_step ON usage_ledger (org_id, step_id);

GRANT SELECT ON step_tool_calls, step_llm_calls, step_input_requests TO shaman_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON step_tool_calls, step_llm_calls, step_input_requests TO shaman_projector;
