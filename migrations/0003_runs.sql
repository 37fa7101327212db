-- Read models of runs and steps. Rebuilt from the event log: every value here comes from an event, never
-- from now(), so replaying the stream into empty tables gives the same rows.
CREATE TABLE runs (
  org_id uuid NOT NULL,
  id uuid PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('submitted', 'working', 'input-required', 'completed', 'failed', 'canceled')),
  root_agent text NOT NULL,
  step_count integer NOT NULL DEFAULT 0,
  input_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  completed_at timestamptz,
  last_seq bigint NOT NULL
);
CREATE INDEX runs_org_created ON runs (org_id, created_at DESC, id DESC);
ALTER TABLE runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE runs FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON runs USING (org_id = current_org_id()) WITH CHECK (org_id = current_org_id());

CREATE TABLE steps (
  org_id uuid NOT NULL,
  id uuid PRIMARY KEY,
  run_id uuid NOT NULL,
  parent_step_id uuid,
  depth integer NOT NULL,
  agent text NOT NULL,
  model text,
  status text NOT NULL CHECK (status IN ('submitted', 'working', 'input-required', 'completed', 'failed', 'canceled')),
  input jsonb NOT NULL,
  output jsonb,
  error jsonb,
  iterations integer NOT NULL DEFAULT 0,
  llm_calls integer NOT NULL DEFAULT 0,
  tool_calls integer NOT NULL DEFAULT 0,
  input_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  started_at timestamptz,
  completed_at timestamptz,
  updated_at timestamptz NOT NULL,
  last_seq bigint NOT NULL
);
CREATE INDEX steps_run ON steps (org_id, run_id, created_at);
CREATE INDEX steps_parent ON steps (parent_step_id) WHERE parent_step_id IS NOT NULL;
ALTER TABLE steps ENABLE ROW LEVEL SECURITY;
ALTER TABLE steps FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON steps USING (org_id = current_org_id()) WITH CHECK (org_id = current_org_id());

-- One row per projection: the last stream sequence folded in, written in the same transaction as the rows.
CREATE TABLE projection_checkpoints (
  name text PRIMARY KEY,
  position bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT ON runs, steps TO shaman_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON runs, steps, projection_checkpoints TO shaman_projector;
