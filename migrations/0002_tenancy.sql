-- Organizations and API keys. The current tenant is read from a transaction-local setting; an unset tenant
-- ('' after a pooled transaction ended, NULL before) matches no row instead of raising or matching all.
CREATE FUNCTION current_org_id() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid $$;

CREATE TABLE organizations (
  id uuid PRIMARY KEY,
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name text NOT NULL,
  -- Where this organization's agents live. A local repository directory until repository sync lands (issue 4).
  agents_repository text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON organizations USING (id = current_org_id()) WITH CHECK (id = current_org_id());

CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL,
  -- The visible part (sk_live_xxxxxxxx); the secret itself is never stored, only its SHA-256.
  prefix text NOT NULL,
  hash text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
  -- '*' grants every agent; '/agents/<Name>:execute' grants one.
  scopes text[] NOT NULL DEFAULT ARRAY['*'],
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  expires_at timestamptz,
  last_used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_org ON api_keys (org_id, created_at DESC);
ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON api_keys USING (org_id = current_org_id()) WITH CHECK (org_id = current_org_id());

-- Authentication happens before a tenant is known, so it cannot run under the tenant policy. This one narrow
-- SECURITY DEFINER function answers "which key and org is this hash" and nothing else; it also records use,
-- at most once a minute per key so a hot key does not turn every request into a write.
CREATE FUNCTION authenticate_api_key(p_hash text)
RETURNS TABLE (key_id uuid, org_id uuid, scopes text[], status text, expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE api_keys k SET last_used_at = now()
   WHERE k.hash = p_hash AND k.status = 'active'
     AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute');
  RETURN QUERY SELECT k.id, k.org_id, k.scopes, k.status, k.expires_at FROM api_keys k WHERE k.hash = p_hash;
END
$$;
REVOKE ALL ON FUNCTION authenticate_api_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION authenticate_api_key(text) TO shaman_app;
GRANT EXECUTE ON FUNCTION current_org_id() TO shaman_app, shaman_projector;

GRANT SELECT ON organizations TO shaman_app, shaman_projector;
GRANT SELECT, INSERT, UPDATE ON api_keys TO shaman_app;
