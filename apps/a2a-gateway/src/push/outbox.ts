import { newId, type Pool, type PoolClient } from '@shaman/platform';
import { z } from 'zod';
import { toPushConfigRecord, type PushConfigRecord } from './push-config.js';

/** A step event that may change what a Task shows, at its place in the stream. */
export type TaskUpdate = { orgId: string; taskId: string; eventId: string; eventType: string; seq: number; index: number };

/** Reads and advances the dispatcher's position, locking it so two gateways record one after the other. */
export const lockDispatchCheckpoint = async (client: PoolClient, name: string): Promise<number> => {
  const { rows } = await client.query<{ position: number }>(
    `INSERT INTO push_dispatch_checkpoints (name, position) VALUES ($1, 0)
     ON CONFLICT (name) DO UPDATE SET position = push_dispatch_checkpoints.position RETURNING position`,
    [name],
  );
  return rows[0]?.position ?? 0;
};
/**
 * The dispatcher's position. A dispatcher's first start begins at `streamEnd` (no config can exist for older
 * events, and a long history need not be read); the row then exists, and later starts resume from it.
 */
export const readDispatchCheckpoint = async (pool: Pool, name: string, streamEnd: () => Promise<number>): Promise<number> => {
  const stored = (await pool.query<{ position: number }>('SELECT position FROM push_dispatch_checkpoints WHERE name = $1', [name])).rows[0];
  if (stored) return stored.position;
  await pool.query('INSERT INTO push_dispatch_checkpoints (name, position) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, await streamEnd()]);
  return readDispatchCheckpoint(pool, name, streamEnd);
};
export const advanceDispatchCheckpoint = async (client: Pool | PoolClient, name: string, position: number): Promise<void> => {
  await client.query('UPDATE push_dispatch_checkpoints SET position = $2, updated_at = now() WHERE name = $1 AND position < $2', [name, position]);
};

/**
 * Which of these tasks (each with its organization) have any push config, asked across organizations in one
 * statement (migrations/0018): the question of every batch, whose answer is almost always "none".
 */
export const configuredTasks = async (pool: Pool, tasks: readonly { orgId: string; taskId: string }[]): Promise<Set<string>> => {
  if (tasks.length === 0) return new Set();
  const { rows } = await pool.query<{ task_id: string }>('SELECT task_id FROM push_configured_tasks($1::uuid[], $2::uuid[])', [tasks.map((t) => t.orgId), tasks.map((t) => t.taskId)]);
  return new Set(rows.map((r) => r.task_id));
};

/** The push configs of some of an organization's tasks, in the caller's transaction (which it scopes to the org). */
export const configsOfTasks = async (client: PoolClient, orgId: string, taskIds: readonly string[]): Promise<TaskConfig[]> => {
  await client.query("SELECT set_config('app.current_org_id', $1, true)", [orgId]);
  const { rows } = await client.query<{ key: string; task_id: string }>('SELECT key, task_id FROM push_configs WHERE task_id = ANY($1::uuid[])', [taskIds]);
  return rows.map((r) => ({ key: r.key, taskId: r.task_id }));
};
export type TaskConfig = { key: string; taskId: string };

/**
 * Records one pending delivery per (config of the task, update), in the caller's transaction scoped to the org
 * (`configsOfTasks`). The unique (config, event) key turns a re-read message into a no-op. Returns the configs
 * that got new rows.
 */
export const recordDeliveries = async (client: PoolClient, orgId: string, input: { configs: readonly TaskConfig[]; updates: readonly TaskUpdate[] }): Promise<string[]> => {
  const touched = new Set<string>();
  for (const config of input.configs) {
    for (const u of input.updates.filter((x) => x.taskId === config.taskId)) {
      const { rowCount } = await client.query(
        `INSERT INTO push_deliveries (id, org_id, config_key, task_id, event_id, event_type, event_seq, event_index)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (config_key, event_id) DO NOTHING`,
        [newId(), orgId, config.key, u.taskId, u.eventId, u.eventType, u.seq, u.index],
      );
      if ((rowCount ?? 0) > 0) touched.add(config.key);
    }
  }
  return [...touched];
};

const DeliveryRow = z.object({ id: z.string(), task_id: z.string(), event_id: z.string(), event_type: z.string(), event_seq: z.number(), event_index: z.number(), attempts: z.number() });
export type PendingDelivery = { id: string; taskId: string; eventId: string; eventType: string; seq: number; index: number; attempts: number; config: PushConfigRecord };

/** The oldest waiting delivery of a config (stream order), with the config as it is now; null when none waits. */
export const nextPendingDelivery = async (client: PoolClient, configKey: string): Promise<PendingDelivery | null> => {
  const { rows } = await client.query(
    `SELECT d.id, d.task_id, d.event_id, d.event_type, d.event_seq, d.event_index, d.attempts, row_to_json(c) AS config
       FROM push_deliveries d JOIN push_configs c ON c.key = d.config_key
      WHERE d.config_key = $1 AND d.status = 'pending'
      ORDER BY d.event_seq, d.event_index LIMIT 1`,
    [configKey],
  );
  const row = rows[0] as { config: unknown } | undefined;
  if (row === undefined) return null;
  const d = DeliveryRow.parse(row);
  return { id: d.id, taskId: d.task_id, eventId: d.event_id, eventType: d.event_type, seq: d.event_seq, index: d.event_index, attempts: d.attempts, config: toPushConfigRecord(row.config) };
};

export type AttemptOutcome = { ok: true; httpStatus: number } | { ok: false; httpStatus: number | null; error: string; final: boolean };

/** Records one try: delivered, or failed with its error (final = no more tries). Returns the attempt count. */
export const recordAttempt = async (client: PoolClient, deliveryId: string, outcome: AttemptOutcome): Promise<number> => {
  const status = outcome.ok ? 'delivered' : outcome.final ? 'failed' : 'pending';
  const { rows } = await client.query<{ attempts: number }>(
    // A success keeps the last failure's error: the log still says why earlier tries failed.
    `UPDATE push_deliveries SET attempts = attempts + 1, status = $2, http_status = $3, last_error = COALESCE($4, last_error), last_attempt_at = now(),
            delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END
      WHERE id = $1 AND status = 'pending' RETURNING attempts`,
    [deliveryId, status, outcome.httpStatus, outcome.ok ? null : outcome.error],
  );
  return rows[0]?.attempts ?? 0;
};

export const hasPendingDeliveries = async (client: PoolClient, configKey: string): Promise<boolean> =>
  (await client.query("SELECT 1 FROM push_deliveries WHERE config_key = $1 AND status = 'pending' LIMIT 1", [configKey])).rowCount !== 0;

/** Configs with deliveries waiting, across organizations (a narrow SECURITY DEFINER function, migrations/0008). */
export const pendingConfigs = async (pool: Pool): Promise<{ orgId: string; configKey: string }[]> =>
  (await pool.query<{ org_id: string; config_key: string }>('SELECT org_id, config_key FROM push_pending_configs()')).rows.map((r) => ({ orgId: r.org_id, configKey: r.config_key }));

/** The delivery log of a task (run under its organization): what was sent, how often it was tried, how it ended. */
export type DeliveryLogEntry = { id: string; configId: string | null; eventId: string; eventType: string; eventSeq: number; status: string; attempts: number; httpStatus: number | null; lastError: string | null; deliveredAt: Date | null };
export const listDeliveries = async (client: PoolClient, taskId: string): Promise<DeliveryLogEntry[]> => {
  const { rows } = await client.query(
    `SELECT d.*, c.config_id FROM push_deliveries d LEFT JOIN push_configs c ON c.key = d.config_key
      WHERE d.task_id = $1 ORDER BY d.event_seq, d.event_index, d.created_at`,
    [taskId],
  );
  return rows.map((r: Record<string, unknown>) => ({
    id: r['id'] as string,
    configId: (r['config_id'] as string | null) ?? null,
    eventId: r['event_id'] as string,
    eventType: r['event_type'] as string,
    eventSeq: r['event_seq'] as number,
    status: r['status'] as string,
    attempts: r['attempts'] as number,
    httpStatus: (r['http_status'] as number | null) ?? null,
    lastError: (r['last_error'] as string | null) ?? null,
    deliveredAt: (r['delivered_at'] as Date | null) ?? null,
  }));
};
