-- A2A push notifications (issue 3). Management records written by the gateway (app role) under RLS, not read
-- models: a config is what a caller asked for, a delivery is an outbox row derived from one step event.

-- One webhook a caller registered for one task (= step). `config_id` is the A2A `pushNotificationConfig.id`
-- (the task id when the caller gave none, as the reference SDK does); `key` is ours and never changes when
-- the caller replaces the config under the same id, so the delivery order of that config carries on.
CREATE TABLE push_configs (
  key uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  task_id uuid NOT NULL,
  config_id text NOT NULL CHECK (length(config_id) BETWEEN 1 AND 200),
  url text NOT NULL,
  -- Echoed to the receiver in X-A2A-Notification-Token; the caller chose it and reads it back, so it is kept as is.
  token text,
  -- `authentication.schemes` (Bearer, Basic, HMAC-SHA256 …) and its credentials, AES-256-GCM under
  -- SHAMAN_SECRET_KEY (`v1:<iv>:<tag>:<data>`); the credentials themselves are never stored or returned.
  auth_schemes text[] NOT NULL DEFAULT '{}',
  credentials_ciphertext text,
  -- The wire version the config was created with: the payload of its notifications follows it.
  protocol_version text NOT NULL DEFAULT '0.3' CHECK (protocol_version IN ('0.3', '1.0')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, task_id, config_id)
);
CREATE INDEX push_configs_task ON push_configs (org_id, task_id);
ALTER TABLE push_configs ENABLE ROW LEVEL SECURITY;
ALTER TABLE push_configs FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON push_configs USING (org_id = current_org_id()) WITH CHECK (org_id = current_org_id());

-- The delivery log, and the outbox the sender drains: one row per (config, step event), ordered by the
-- event's stream position. The unique key makes a re-read JetStream message a no-op. No foreign key to the
-- config: the log outlives a deleted config (its pending rows become 'canceled').
CREATE TABLE push_deliveries (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  config_key uuid NOT NULL,
  task_id uuid NOT NULL,
  event_id text NOT NULL,
  event_type text NOT NULL,
  event_seq bigint NOT NULL,
  event_index integer NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'canceled')),
  attempts integer NOT NULL DEFAULT 0,
  http_status integer,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_attempt_at timestamptz,
  delivered_at timestamptz,
  UNIQUE (config_key, event_id)
);
CREATE INDEX push_deliveries_outbox ON push_deliveries (config_key, event_seq, event_index) WHERE status = 'pending';
CREATE INDEX push_deliveries_task ON push_deliveries (org_id, task_id, created_at);
ALTER TABLE push_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE push_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY org_isolation ON push_deliveries USING (org_id = current_org_id()) WITH CHECK (org_id = current_org_id());

-- How far the push dispatcher has read the event stream. Not tenant data: one row per dispatcher, advanced in
-- the same transaction as the deliveries it recorded (like projection_checkpoints for the projector).
CREATE TABLE push_dispatch_checkpoints (
  name text PRIMARY KEY,
  position bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The sweeper's question, asked across tenants: which configs have deliveries waiting. It answers ids only
-- (no URLs, no payloads); the sender then reads each config under its own organization's policy.
CREATE FUNCTION push_pending_configs()
RETURNS TABLE (org_id uuid, config_key uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT DISTINCT d.org_id, d.config_key FROM push_deliveries d WHERE d.status = 'pending'
$$;
REVOKE ALL ON FUNCTION push_pending_configs() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION push_pending_configs() TO shaman_app;

GRANT SELECT, INSERT, UPDATE, DELETE ON push_configs TO shaman_app;
GRANT SELECT, INSERT, UPDATE ON push_deliveries TO shaman_app;
GRANT SELECT, INSERT, UPDATE ON push_dispatch_checkpoints TO shaman_app;
