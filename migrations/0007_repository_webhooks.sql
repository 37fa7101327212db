-- Push webhooks of agent repositories. A webhook arrives before any tenant is known (the caller proves itself
-- with an HMAC over the body, not an API key), so the app role gets one narrow SECURITY DEFINER look-up, like
-- authenticate_api_key in 0002: by the repository's random id, only its organization and sealed secret.
-- AES-256-GCM under SHAMAN_SECRET_KEY (`v1:<iv>:<tag>:<data>`); NULL = no webhook for this repository.
ALTER TABLE repositories ADD COLUMN webhook_secret_ciphertext text;

CREATE FUNCTION repository_webhook_target(p_id uuid)
RETURNS TABLE (org_id uuid, webhook_secret_ciphertext text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT r.org_id, r.webhook_secret_ciphertext FROM repositories r WHERE r.id = p_id;
$$;
REVOKE ALL ON FUNCTION repository_webhook_target(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION repository_webhook_target(uuid) TO shaman_app;
