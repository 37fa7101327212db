-- Agent repositories of an organization (git), and their sync state. Management records, not read models:
-- the app role writes them under RLS. The agent set is what the last sync made live; an agent whose newest
-- definition is invalid keeps its last good one, so `agents` maps name -> {file, commit, worktree} and one
-- repository's agents may point at different commits.
CREATE TABLE repositories (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  -- Used to namespace agents (`<repo>/<Agent>`), so it follows the agent-name alphabet; the reserved names
  -- would read as the platform speaking, as for agents (libs/agents).
  name text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$' AND lower(name) NOT IN ('system', 'admin', 'root', 'internal')),
  url text NOT NULL,
  branch text NOT NULL DEFAULT 'main',
  -- AES-256-GCM under SHAMAN_SECRET_KEY (`v1:<iv>:<tag>:<data>`); never the token itself.
  token_ciphertext text,
  sync_interval_seconds int NOT NULL DEFAULT 300 CHECK (sync_interval_seconds > 0),
  last_commit text,
  last_synced_at timestamptz,
  -- [{file, line, field, message}] of the last sync; [] when it was clean.
  last_error jsonb,
  agents jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- From the root agents.json: alias -> agent name.
  aliases jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, name)
);
ALTER TABLE repositories ENABLE ROW LEVEL SECURITY;
ALTER TABLE repositories FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON repositories USING (org_id = current_org_id()) WITH CHECK (org_id = current_org_id());

GRANT SELECT, INSERT, UPDATE, DELETE ON repositories TO shaman_app;
