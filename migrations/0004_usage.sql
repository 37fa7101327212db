-- Usage ledger: one row per priced model call (`UsageRecorded`), immutable, keyed by event id so a replayed
-- batch inserts nothing twice. Costs are integer micro-dollars. Roll-ups per step, run, agent and period are
-- views over it, evaluated as the caller (security_invoker) so row-level security applies to them too.
CREATE TABLE usage_ledger (
  org_id uuid NOT NULL,
  event_id uuid PRIMARY KEY,
  run_id uuid NOT NULL,
  step_id uuid NOT NULL,
  agent text NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cost_micros bigint NOT NULL,
  price_table text NOT NULL,
  recorded_at timestamptz NOT NULL,
  seq bigint NOT NULL
);
CREATE INDEX usage_ledger_org_time ON usage_ledger (org_id, recorded_at);
CREATE INDEX usage_ledger_run ON usage_ledger (org_id, run_id);
ALTER TABLE usage_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE usage_ledger FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON usage_ledger USING (org_id = current_org_id()) WITH CHECK (org_id = current_org_id());

CREATE VIEW usage_by_step WITH (security_invoker = true) AS
  SELECT org_id, run_id, step_id, agent, count(*)::bigint AS calls, sum(input_tokens)::bigint AS input_tokens,
         sum(output_tokens)::bigint AS output_tokens, sum(cost_micros)::bigint AS cost_micros
    FROM usage_ledger GROUP BY org_id, run_id, step_id, agent;

CREATE VIEW usage_by_run WITH (security_invoker = true) AS
  SELECT org_id, run_id, count(*)::bigint AS calls, sum(input_tokens)::bigint AS input_tokens,
         sum(output_tokens)::bigint AS output_tokens, sum(cost_micros)::bigint AS cost_micros
    FROM usage_ledger GROUP BY org_id, run_id;

CREATE VIEW usage_by_org_day WITH (security_invoker = true) AS
  SELECT org_id, date_trunc('day', recorded_at) AS day, agent, model, count(*)::bigint AS calls,
         sum(input_tokens)::bigint AS input_tokens, sum(output_tokens)::bigint AS output_tokens, sum(cost_micros)::bigint AS cost_micros
    FROM usage_ledger GROUP BY org_id, date_trunc('day', recorded_at), agent, model;

GRANT SELECT ON usage_ledger, usage_by_step, usage_by_run, usage_by_org_day TO shaman_app;
GRANT SELECT, INSERT, DELETE ON usage_ledger TO shaman_projector;
