-- Scheduled retention (the gql-api's BullMQ job, docs/replay.md "Retention") reads every organization's policy
-- and deletes finished runs' read-model rows across tenants. It gets a role of its own that can do exactly
-- that and nothing else, instead of an administrative connection: no INSERT or UPDATE on read models, no
-- access to keys, secrets, repositories or the audit log; the usage ledger (kept by policy) is not writable.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shaman_retention') THEN
    CREATE ROLE shaman_retention LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS;
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO shaman_retention;
GRANT SELECT (id, slug, retention_max_age_days, retention_max_bytes) ON organizations TO shaman_retention;
GRANT SELECT, DELETE ON runs, steps, run_data, step_tool_calls, step_llm_calls, step_input_requests TO shaman_retention;
GRANT SELECT, INSERT, UPDATE ON retention_purges TO shaman_retention;
