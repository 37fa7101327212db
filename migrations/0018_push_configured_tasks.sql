-- The push dispatcher's first question about every batch of step events, asked across tenants: which of these
-- tasks have a push config at all. Almost none do, and answering it under each organization's policy took a
-- transaction per batch (docs/performance.md, "Push notifications"). It answers task ids the caller already
-- holds, and nothing else; the dispatcher then records deliveries under the organization's own policy.
CREATE FUNCTION push_configured_tasks(org_ids uuid[], task_ids uuid[])
RETURNS TABLE (task_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT k.task_id FROM unnest(org_ids, task_ids) AS k(org_id, task_id)
   WHERE EXISTS (SELECT 1 FROM push_configs c WHERE c.org_id = k.org_id AND c.task_id = k.task_id)
$$;
REVOKE ALL ON FUNCTION push_configured_tasks(uuid[], uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION push_configured_tasks(uuid[], uuid[]) TO shaman_app;
