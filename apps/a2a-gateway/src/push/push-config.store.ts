import type { PoolClient } from '@shaman/platform';
import { toPushConfigRecord, type PushConfigRecord } from './push-config.js';

/** How many configs one task may have: each is a webhook the sender calls for every update of the task. */
export const MAX_CONFIGS_PER_TASK = 10;

export type NewPushConfig = Omit<PushConfigRecord, 'key'> & { key: string };

/**
 * Creates the config, or replaces url/token/authentication of the one with the same id on the task (its key,
 * and so its place in delivery order, stays). Runs under the caller's organization (RLS).
 */
export const upsertPushConfig = async (client: PoolClient, c: NewPushConfig): Promise<PushConfigRecord> => {
  const { rows } = await client.query(
    `INSERT INTO push_configs (key, org_id, task_id, config_id, url, token, auth_schemes, credentials_ciphertext, protocol_version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (org_id, task_id, config_id) DO UPDATE
       SET url = EXCLUDED.url, token = EXCLUDED.token, auth_schemes = EXCLUDED.auth_schemes,
           credentials_ciphertext = EXCLUDED.credentials_ciphertext, protocol_version = EXCLUDED.protocol_version, updated_at = now()
     RETURNING *`,
    [c.key, c.orgId, c.taskId, c.configId, c.url, c.token, c.authSchemes, c.credentialsCiphertext, c.protocolVersion],
  );
  return toPushConfigRecord(rows[0]);
};

export const countPushConfigs = async (client: PoolClient, taskId: string, except: string): Promise<number> => {
  const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM push_configs WHERE task_id = $1 AND config_id <> $2', [taskId, except]);
  return rows[0]?.n ?? 0;
};

export const listPushConfigs = async (client: PoolClient, taskId: string): Promise<PushConfigRecord[]> => {
  const { rows } = await client.query('SELECT * FROM push_configs WHERE task_id = $1 ORDER BY created_at, config_id', [taskId]);
  return rows.map(toPushConfigRecord);
};

export const getPushConfig = async (client: PoolClient, taskId: string, configId: string): Promise<PushConfigRecord | null> => {
  const { rows } = await client.query('SELECT * FROM push_configs WHERE task_id = $1 AND config_id = $2', [taskId, configId]);
  return rows[0] === undefined ? null : toPushConfigRecord(rows[0]);
};

export const getPushConfigByKey = async (client: PoolClient, key: string): Promise<PushConfigRecord | null> => {
  const { rows } = await client.query('SELECT * FROM push_configs WHERE key = $1', [key]);
  return rows[0] === undefined ? null : toPushConfigRecord(rows[0]);
};

/** Deletes the config; its deliveries stay in the log, and those still waiting are canceled. False when there was none. */
export const deletePushConfig = async (client: PoolClient, taskId: string, configId: string): Promise<boolean> => {
  const { rows } = await client.query<{ key: string }>('DELETE FROM push_configs WHERE task_id = $1 AND config_id = $2 RETURNING key', [taskId, configId]);
  const key = rows[0]?.key;
  if (key === undefined) return false;
  await client.query("UPDATE push_deliveries SET status = 'canceled', last_error = 'config deleted' WHERE config_key = $1 AND status = 'pending'", [key]);
  return true;
};
