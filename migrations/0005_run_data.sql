-- Run data: the values steps of one run share through `run_data_write` (`RunDataWritten`). Immutable: every
-- write is a row keyed by its event id, so a replayed batch inserts nothing twice; a later write to a key is a
-- new version (its stream sequence), and `run_data_latest` shows the newest per key. The view runs as its
-- caller (security_invoker), so row-level security applies to it too.
CREATE TABLE run_data (
  org_id uuid NOT NULL,
  event_id uuid PRIMARY KEY,
  run_id uuid NOT NULL,
  step_id uuid NOT NULL,
  agent text NOT NULL,
  key text NOT NULL,
  value jsonb NOT NULL,
  tags text[] NOT NULL,
  version bigint NOT NULL,
  written_at timestamptz NOT NULL
);
CREATE INDEX run_data_key_version ON run_data (org_id, run_id, key, version DESC);
ALTER TABLE run_data ENABLE ROW LEVEL SECURITY;
ALTER TABLE run_data FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON run_data USING (org_id = current_org_id()) WITH CHECK (org_id = current_org_id());

-- Two writes to one key in one commit would share a version; event_id only makes the pick deterministic, it
-- is not write order. It does not arise today: run_data_write records one write per tool result.
CREATE VIEW run_data_latest WITH (security_invoker = true) AS
  SELECT DISTINCT ON (org_id, run_id, key) org_id, run_id, key, value, tags, agent, step_id, event_id, version, written_at
    FROM run_data ORDER BY org_id, run_id, key, version DESC, event_id DESC;

GRANT SELECT ON run_data, run_data_latest TO shaman_app;
GRANT SELECT, INSERT, DELETE ON run_data TO shaman_projector;
