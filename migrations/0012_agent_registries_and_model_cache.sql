-- External A2A agent registries of an organization, and the organization's model response cache settings
-- (issue 10; docs/agents.md "Registries" and "Model response cache").

-- A registry answers `GET {url}/agents` with the agents it lists (endpoint and card of each). Management
-- records, written by the app role under RLS; the health check keeps status, listing and ETag current.
CREATE TABLE agent_registries (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  -- Named in resolution's "not found" messages and in `registry:<name>` sources, so the repository alphabet.
  name text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$'),
  url text NOT NULL CHECK (url ~ '^https?://'),
  -- The organization secret (by name, as in ${NAME}) sent as a bearer token; never the token itself.
  auth text CHECK (auth ~ '^[A-Za-z_][A-Za-z0-9_]{0,127}$'),
  status text NOT NULL DEFAULT 'unknown' CHECK (status IN ('unknown', 'healthy', 'unhealthy')),
  last_checked_at timestamptz,
  last_error text,
  -- The last good listing and its ETag (sent as If-None-Match on the next check).
  etag text,
  listing jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, name)
);
ALTER TABLE agent_registries ENABLE ROW LEVEL SECURITY;
ALTER TABLE agent_registries FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON agent_registries
  USING (org_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid)
  WITH CHECK (org_id = NULLIF(current_setting('app.current_org_id', true), '')::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON agent_registries TO shaman_app;

-- The scheduled health check visits every tenant's registries, then checks each as its organization: the app
-- role gets this one narrow look-up (ids and owners, nothing else), like repository_schedules().
CREATE FUNCTION agent_registry_targets()
RETURNS TABLE (id uuid, org_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT r.id, r.org_id FROM agent_registries r ORDER BY r.org_id, r.name;
$$;
REVOKE ALL ON FUNCTION agent_registry_targets() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION agent_registry_targets() TO shaman_app;

-- Model response cache, off by default (NULL). An agent may turn it on for itself (frontmatter `cache`);
-- the bounds apply to the organization's whole cache whoever turned it on.
ALTER TABLE organizations ADD COLUMN llm_cache_ttl_seconds int CHECK (llm_cache_ttl_seconds BETWEEN 1 AND 2592000);
ALTER TABLE organizations ADD COLUMN llm_cache_max_entries int NOT NULL DEFAULT 1000 CHECK (llm_cache_max_entries BETWEEN 1 AND 1000000);
ALTER TABLE organizations ADD COLUMN llm_cache_max_entry_bytes int NOT NULL DEFAULT 262144 CHECK (llm_cache_max_entry_bytes BETWEEN 1024 AND 16777216);
