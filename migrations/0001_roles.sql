-- Roles are cluster-wide: create them only if absent, so every database (dev, each test suite) can run this.
-- shaman_app: the gateway and the GraphQL API. Never superuser, never BYPASSRLS: row-level security binds it.
-- shaman_projector: folds the event log into read models for every tenant, so it bypasses RLS by design.
-- Production sets their passwords out of band (ALTER ROLE ... PASSWORD); local trust auth needs none.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shaman_app') THEN
    CREATE ROLE shaman_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shaman_projector') THEN
    CREATE ROLE shaman_projector LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS;
  END IF;
END
$$;

REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO shaman_app, shaman_projector;
