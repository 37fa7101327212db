-- Forks and retention (issue 7, docs/replay.md).

-- A run made by `shaman fork` links to the step it branched from (RunRequested.forkedFrom of its root step).
-- Folded by the projector from events like every other column here, so a rebuild gives the same values.
ALTER TABLE runs ADD COLUMN forked_from_run_id uuid, ADD COLUMN forked_from_step_id uuid;
CREATE INDEX runs_forked_from ON runs (org_id, forked_from_run_id) WHERE forked_from_run_id IS NOT NULL;

-- Per-organization retention: runs whose last activity is older than max_age_days, and the oldest runs beyond
-- max_bytes of recorded events, are exported and then deleted by `shaman retention apply`. NULL keeps forever.
ALTER TABLE organizations
  ADD COLUMN retention_max_age_days integer CHECK (retention_max_age_days BETWEEN 1 AND 36500),
  ADD COLUMN retention_max_bytes bigint CHECK (retention_max_bytes > 0);

-- What retention deleted, and where its export went: the audit trail of a deletion outlives the run it removed.
-- Written by the CLI as the administrative role; read by the app role under row-level security.
CREATE TABLE retention_purges (
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  run_id uuid NOT NULL,
  purged_at timestamptz NOT NULL DEFAULT now(),
  reason text NOT NULL CHECK (reason IN ('max_age', 'max_bytes')),
  last_activity_at timestamptz,
  events integer NOT NULL CHECK (events >= 0),
  bytes bigint NOT NULL CHECK (bytes >= 0),
  export_file text,
  PRIMARY KEY (org_id, run_id)
);
ALTER TABLE retention_purges ENABLE ROW LEVEL SECURITY;
ALTER TABLE retention_purges FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON retention_purges
  USING (org_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
GRANT SELECT ON retention_purges TO shaman_app;
