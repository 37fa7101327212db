-- People, roles, service accounts and the audit log (issue 6). Roles, strongest first: OWNER, ADMIN,
-- DEVELOPER, VIEWER (apps/gql-api/src/auth/roles.ts says what each may do).

-- A person, as an OIDC issuer identifies them. Global (one person may belong to several organizations), so it
-- is not tenant-scoped; the app role reaches users only through the functions below and the membership join.
CREATE TABLE users (
  id uuid PRIMARY KEY,
  issuer text NOT NULL,
  subject text NOT NULL,
  email text,
  name text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (issuer, subject)
);

CREATE TABLE memberships (
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'DEVELOPER', 'VIEWER')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id)
);
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON memberships USING (org_id = current_org_id()) WITH CHECK (org_id = current_org_id());

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
-- Visible to the app role only as a member of the current organization.
CREATE POLICY member_of_current_org ON users USING (
  EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id AND m.org_id = current_org_id())
) WITH CHECK (false);

-- Non-human callers (CI, other services): they own API keys, and their keys act with their role.
CREATE TABLE service_accounts (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  role text NOT NULL CHECK (role IN ('ADMIN', 'DEVELOPER', 'VIEWER')),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, name)
);
ALTER TABLE service_accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE service_accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON service_accounts USING (org_id = current_org_id()) WITH CHECK (org_id = current_org_id());

-- Keys made before roles existed acted as the whole organization: they stay OWNER. New keys default to DEVELOPER.
ALTER TABLE api_keys ADD COLUMN role text NOT NULL DEFAULT 'OWNER' CHECK (role IN ('OWNER', 'ADMIN', 'DEVELOPER', 'VIEWER'));
ALTER TABLE api_keys ALTER COLUMN role SET DEFAULT 'DEVELOPER';
ALTER TABLE api_keys ADD COLUMN service_account_id uuid REFERENCES service_accounts (id) ON DELETE CASCADE;
-- Who made the key: `user:<id>`, `api_key:<id>`, or `cli` for the operator's command line.
ALTER TABLE api_keys ADD COLUMN created_by text;

-- Authentication now also answers the key's role.
DROP FUNCTION authenticate_api_key(text);
CREATE FUNCTION authenticate_api_key(p_hash text)
RETURNS TABLE (key_id uuid, org_id uuid, scopes text[], status text, expires_at timestamptz, role text, service_account_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE api_keys k SET last_used_at = now()
   WHERE k.hash = p_hash AND k.status = 'active'
     AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute');
  RETURN QUERY SELECT k.id, k.org_id, k.scopes, k.status, k.expires_at, k.role, k.service_account_id FROM api_keys k WHERE k.hash = p_hash;
END
$$;
REVOKE ALL ON FUNCTION authenticate_api_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION authenticate_api_key(text) TO shaman_app;

-- A person signing in with a verified OIDC token: recorded (or refreshed) before any tenant is known.
CREATE FUNCTION upsert_oidc_user(p_issuer text, p_subject text, p_email text, p_name text)
RETURNS uuid
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO users (id, issuer, subject, email, name) VALUES (gen_random_uuid(), p_issuer, p_subject, p_email, p_name)
  ON CONFLICT (issuer, subject) DO UPDATE SET email = COALESCE(EXCLUDED.email, users.email), name = COALESCE(EXCLUDED.name, users.name), last_seen_at = now()
  RETURNING id;
$$;
REVOKE ALL ON FUNCTION upsert_oidc_user(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION upsert_oidc_user(text, text, text, text) TO shaman_app;

-- A person's organizations and roles: what they may select with the x-shaman-org header.
CREATE FUNCTION user_memberships(p_user uuid)
RETURNS TABLE (org_id uuid, slug text, name text, role text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT o.id, o.slug, o.name, m.role FROM memberships m JOIN organizations o ON o.id = m.org_id WHERE m.user_id = p_user ORDER BY o.slug;
$$;
REVOKE ALL ON FUNCTION user_memberships(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION user_memberships(uuid) TO shaman_app;

-- An organization made through GraphQL has no agent directory: its agents come from its repositories.
ALTER TABLE organizations ALTER COLUMN agents_repository DROP NOT NULL;

-- Creating an organization happens before it exists as a tenant: the creator becomes its OWNER.
CREATE FUNCTION create_organization(p_slug text, p_name text, p_owner uuid)
RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE new_id uuid := gen_random_uuid();
BEGIN
  INSERT INTO organizations (id, slug, name, agents_repository) VALUES (new_id, p_slug, p_name, NULL);
  INSERT INTO memberships (org_id, user_id, role) VALUES (new_id, p_owner, 'OWNER');
  RETURN new_id;
END
$$;
REVOKE ALL ON FUNCTION create_organization(text, text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION create_organization(text, text, uuid) TO shaman_app;

-- Adding a member by their e-mail: the one cross-tenant read the app role needs, returning only the id.
CREATE FUNCTION user_id_by_email(p_email text)
RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT id FROM users WHERE lower(email) = lower(p_email) ORDER BY created_at LIMIT 1;
$$;
REVOKE ALL ON FUNCTION user_id_by_email(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION user_id_by_email(text) TO shaman_app;

-- Every mutation, allowed or refused. Append-only for the app role (no UPDATE or DELETE grant).
CREATE TABLE audit_log (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  actor_kind text NOT NULL CHECK (actor_kind IN ('api_key', 'user', 'service_account')),
  actor_id text NOT NULL,
  action text NOT NULL,
  -- ok: done; rejected: refused with typed errors (invalid input, not found); forbidden: role too low; failed: an error.
  outcome text NOT NULL CHECK (outcome IN ('ok', 'rejected', 'forbidden', 'failed')),
  -- The mutation's arguments with every credential-looking field redacted.
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_org_time ON audit_log (org_id, at DESC);
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON audit_log USING (org_id = current_org_id()) WITH CHECK (org_id = current_org_id());

GRANT SELECT ON users TO shaman_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON memberships, service_accounts TO shaman_app;
GRANT UPDATE ON organizations TO shaman_app;
GRANT SELECT, INSERT ON audit_log TO shaman_app;
