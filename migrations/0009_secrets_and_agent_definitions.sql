-- Organization secrets: the values `${NAME}` stands for in agent definitions (MCP server env/headers/url) and
-- agents.json (external agents' credentials). Sealed with AES-256-GCM under SHAMAN_SECRET_KEY
-- (`v1:<iv>:<tag>:<data>`); the plaintext is never stored, logged or returned by any API, only its name.
CREATE TABLE org_secrets (
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  -- The `${NAME}` alphabet, so a reference and its secret are spelled the same everywhere.
  name text NOT NULL CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_]{0,127}$'),
  ciphertext text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, name)
);
ALTER TABLE org_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_secrets FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON org_secrets USING (org_id = current_org_id()) WITH CHECK (org_id = current_org_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON org_secrets TO shaman_app;

-- External agents declared in a repository's agents.json: name -> {url, description, auth, protocolVersion},
-- with credentials as `${NAME}` references (resolved from org_secrets at call time, never stored resolved).
ALTER TABLE repositories ADD COLUMN external_agents jsonb NOT NULL DEFAULT '{}'::jsonb;

-- Read model of the repository events (RepositorySynced, AgentDefinitionChanged, AgentRemoved): every agent a
-- repository made live, at the commit it went live, and whether it is still live. Written by the projector only.
CREATE TABLE agent_definitions (
  org_id uuid NOT NULL,
  repository_id uuid NOT NULL,
  repository text NOT NULL,
  name text NOT NULL,
  commit text NOT NULL,
  file text NOT NULL,
  digest text NOT NULL,
  exposed boolean NOT NULL,
  description text NOT NULL,
  tags text[] NOT NULL,
  model text,
  -- The commit whose sync removed the agent; NULL while it is live.
  removed_at_commit text,
  updated_at timestamptz NOT NULL,
  last_seq bigint NOT NULL,
  PRIMARY KEY (org_id, repository_id, name)
);
ALTER TABLE agent_definitions ENABLE ROW LEVEL SECURITY;
ALTER TABLE agent_definitions FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON agent_definitions USING (org_id = current_org_id()) WITH CHECK (org_id = current_org_id());

-- Every definition an agent ever had, for "which version ran" questions: one row per (agent, commit) change.
CREATE TABLE agent_definition_history (
  org_id uuid NOT NULL,
  event_id uuid PRIMARY KEY,
  repository_id uuid NOT NULL,
  name text NOT NULL,
  change text NOT NULL CHECK (change IN ('added', 'changed', 'removed')),
  commit text NOT NULL,
  digest text,
  recorded_at timestamptz NOT NULL,
  seq bigint NOT NULL
);
CREATE INDEX agent_definition_history_agent ON agent_definition_history (org_id, repository_id, name, seq);
ALTER TABLE agent_definition_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE agent_definition_history FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON agent_definition_history USING (org_id = current_org_id()) WITH CHECK (org_id = current_org_id());

GRANT SELECT ON agent_definitions, agent_definition_history TO shaman_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON agent_definitions, agent_definition_history TO shaman_projector;

-- The periodic syncs (BullMQ job schedulers, in Redis) are reconciled with this table when a sync worker starts:
-- schedulers of deleted repositories go, missing ones come back. That needs every tenant's repositories, so the
-- app role gets one narrow look-up: ids, owners and intervals, nothing else.
CREATE FUNCTION repository_schedules()
RETURNS TABLE (id uuid, org_id uuid, sync_interval_seconds int)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT r.id, r.org_id, r.sync_interval_seconds FROM repositories r;
$$;
REVOKE ALL ON FUNCTION repository_schedules() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION repository_schedules() TO shaman_app;

-- The webhook look-up also returns the tracked branch, so a push to another branch queues nothing.
DROP FUNCTION repository_webhook_target(uuid);
CREATE FUNCTION repository_webhook_target(p_id uuid)
RETURNS TABLE (org_id uuid, webhook_secret_ciphertext text, branch text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT r.org_id, r.webhook_secret_ciphertext, r.branch FROM repositories r WHERE r.id = p_id;
$$;
REVOKE ALL ON FUNCTION repository_webhook_target(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION repository_webhook_target(uuid) TO shaman_app;
