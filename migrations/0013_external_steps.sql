-- External A2A agents (issue 5): a call_agent to an agents.json entry with a URL is a node of the run's DAG
-- like any step, recorded by the calling executor. `kind` tells such nodes apart and `external_url` says where
-- the call went; both come from RunRequested.data.external. Rows projected before this migration are agent
-- steps, which is what the default says. `steps` keeps its RLS policy and grants (0003): new columns are
-- covered by the table-level grants to shaman_app (read) and shaman_projector (write).
ALTER TABLE steps ADD COLUMN kind text NOT NULL DEFAULT 'agent' CHECK (kind IN ('agent', 'external'));
ALTER TABLE steps ADD COLUMN external_url text;
ALTER TABLE steps ADD CONSTRAINT steps_external_url_only_external CHECK (kind = 'external' OR external_url IS NULL);
