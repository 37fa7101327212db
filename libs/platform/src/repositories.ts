import type pg from 'pg';
import { z } from 'zod';
import { newId } from './ids.js';

/** Where a live agent of a synced repository is: its file, in the worktree of the commit it was last good at. */
export const LiveAgent = z.object({ file: z.string(), commit: z.string(), worktree: z.string(), digest: z.string() });
export type LiveAgent = z.infer<typeof LiveAgent>;
export const SyncProblem = z.object({ file: z.string(), line: z.number().int(), field: z.string().nullable(), message: z.string() });
export type SyncProblem = z.infer<typeof SyncProblem>;

// Rows are parsed at the ingress like any other input (STYLE §3): jsonb written by an older version must not
// reach the gateway as a wrong shape.
// The webhook secret is deliberately not part of the record, only whether there is one: the webhook reads
// it through repositoryWebhookTarget.
const Row = z.object({
  id: z.string(),
  org_id: z.string(),
  name: z.string(),
  url: z.string(),
  branch: z.string(),
  token_ciphertext: z.string().nullable(),
  webhook_secret_ciphertext: z.string().nullable(),
  sync_interval_seconds: z.number().int(),
  last_commit: z.string().nullable(),
  last_synced_at: z.date().nullable(),
  last_error: z.array(SyncProblem).nullable(),
  agents: z.record(z.string(), LiveAgent),
  aliases: z.record(z.string(), z.string()),
  // Validated by the sync that wrote it (libs/agents ExternalAgent); kept opaque here, platform knows no agents.
  external_agents: z.record(z.string(), z.record(z.string(), z.unknown())),
  created_at: z.date(),
});

export type RepositoryRecord = {
  id: string;
  orgId: string;
  name: string;
  url: string;
  branch: string;
  tokenCiphertext: string | null;
  hasWebhook: boolean;
  syncIntervalSeconds: number;
  lastCommit: string | null;
  lastSyncedAt: Date | null;
  lastErrors: SyncProblem[] | null;
  agents: Record<string, LiveAgent>;
  aliases: Record<string, string>;
  /** agents.json's external agents, credentials as `${SECRET}` references. */
  externalAgents: Record<string, Record<string, unknown>>;
  createdAt: Date;
};

const toRecord = (raw: unknown): RepositoryRecord => {
  const r = Row.parse(raw);
  return {
    id: r.id,
    orgId: r.org_id,
    name: r.name,
    url: r.url,
    branch: r.branch,
    tokenCiphertext: r.token_ciphertext,
    hasWebhook: r.webhook_secret_ciphertext !== null,
    syncIntervalSeconds: r.sync_interval_seconds,
    lastCommit: r.last_commit,
    lastSyncedAt: r.last_synced_at,
    lastErrors: r.last_error,
    agents: r.agents,
    aliases: r.aliases,
    externalAgents: r.external_agents,
    createdAt: r.created_at,
  };
};

export type NewRepository = {
  orgId: string;
  name: string;
  url: string;
  branch?: string;
  tokenCiphertext?: string | null;
  webhookSecretCiphertext?: string | null;
  syncIntervalSeconds?: number;
};

/**
 * Adds a repository, or updates url/branch/token/webhook secret of the one with that name (re-running
 * `repo add` edits it, and so rotates its webhook secret).
 */
export const upsertRepository = async (client: pg.ClientBase, repo: NewRepository): Promise<RepositoryRecord> => {
  const { rows } = await client.query(
    `INSERT INTO repositories (id, org_id, name, url, branch, token_ciphertext, webhook_secret_ciphertext, sync_interval_seconds)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (org_id, name) DO UPDATE SET url = EXCLUDED.url, branch = EXCLUDED.branch, token_ciphertext = EXCLUDED.token_ciphertext,
       webhook_secret_ciphertext = EXCLUDED.webhook_secret_ciphertext, sync_interval_seconds = EXCLUDED.sync_interval_seconds
     RETURNING *`,
    [newId(), repo.orgId, repo.name, repo.url, repo.branch ?? 'main', repo.tokenCiphertext ?? null, repo.webhookSecretCiphertext ?? null, repo.syncIntervalSeconds ?? 300],
  );
  return toRecord(rows[0]);
};

/**
 * One repository, row-locked until the transaction ends: syncs of one repository (a scheduled one and a
 * webhook's, or two processes') run one after the other, and a slower, older sync cannot overwrite a newer one.
 */
export const lockRepository = async (client: pg.ClientBase, id: string): Promise<RepositoryRecord | null> => {
  const { rows } = await client.query('SELECT * FROM repositories WHERE id = $1 FOR UPDATE', [id]);
  return rows[0] === undefined ? null : toRecord(rows[0]);
};

/** Deletes an organization's repository by name; its id, or null when there was none. */
export const deleteRepository = async (client: pg.ClientBase, where: { orgId: string; name: string }): Promise<string | null> => {
  const { rows } = await client.query<{ id: string }>('DELETE FROM repositories WHERE org_id = $1 AND name = $2 RETURNING id', [where.orgId, where.name]);
  return rows[0]?.id ?? null;
};

export type RepositoryWebhookTarget = { orgId: string; webhookSecretCiphertext: string | null; branch: string };

/**
 * Who owns a repository and its sealed webhook secret, before any tenant is known (migrations/0007). `id`
 * must be a uuid; the caller checks that, so a malformed id is a 404 and not a database error.
 */
export const repositoryWebhookTarget = async (client: pg.ClientBase | pg.Pool, id: string): Promise<RepositoryWebhookTarget | null> => {
  const { rows } = await client.query<{ org_id: string; webhook_secret_ciphertext: string | null; branch: string }>('SELECT * FROM repository_webhook_target($1)', [id]);
  const row = rows[0];
  return row ? { orgId: row.org_id, webhookSecretCiphertext: row.webhook_secret_ciphertext, branch: row.branch } : null;
};

/** An organization's repositories by name. Explicit org filter, so it is also right on an admin connection. */
export const listRepositories = async (client: pg.ClientBase, orgId: string): Promise<RepositoryRecord[]> =>
  (await client.query('SELECT * FROM repositories WHERE org_id = $1 ORDER BY name', [orgId])).rows.map(toRecord);

export type RepositorySyncRecord = {
  id: string;
  commit: string;
  agents: Record<string, LiveAgent>;
  aliases: Record<string, string>;
  errors: SyncProblem[];
  externalAgents?: Record<string, unknown>;
  at: Date;
};

/** Stores what a sync made live. */
export const recordRepositorySync = async (client: pg.ClientBase, sync: RepositorySyncRecord): Promise<void> => {
  await client.query(
    'UPDATE repositories SET last_commit = $2, agents = $3, aliases = $4, last_error = $5, last_synced_at = $6, external_agents = $7 WHERE id = $1',
    [sync.id, sync.commit, JSON.stringify(sync.agents), JSON.stringify(sync.aliases), JSON.stringify(sync.errors), sync.at, JSON.stringify(sync.externalAgents ?? {})],
  );
};

/** Changes what `repo add` set, except the name; null when the organization has no such repository. */
export const updateRepository = async (
  client: pg.ClientBase,
  where: { orgId: string; name: string },
  change: { url?: string; branch?: string; tokenCiphertext?: string | null; syncIntervalSeconds?: number },
): Promise<RepositoryRecord | null> => {
  const sets: string[] = [];
  const values: unknown[] = [where.orgId, where.name];
  const set = (column: string, value: unknown) => {
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  };
  if (change.url !== undefined) set('url', change.url);
  if (change.branch !== undefined) set('branch', change.branch);
  if (change.tokenCiphertext !== undefined) set('token_ciphertext', change.tokenCiphertext);
  if (change.syncIntervalSeconds !== undefined) set('sync_interval_seconds', change.syncIntervalSeconds);
  const sql = sets.length === 0
    ? 'SELECT * FROM repositories WHERE org_id = $1 AND name = $2'
    : `UPDATE repositories SET ${sets.join(', ')} WHERE org_id = $1 AND name = $2 RETURNING *`;
  const { rows } = await client.query(sql, values);
  return rows[0] === undefined ? null : toRecord(rows[0]);
};

export type RepositorySchedule = { id: string; orgId: string; syncIntervalSeconds: number };

/**
 * Every repository of every organization with its interval, for reconciling the periodic syncs with the table
 * (migrations/0009: a narrow SECURITY DEFINER look-up, the app role sees no other tenant's rows otherwise).
 */
export const listRepositorySchedules = async (client: pg.ClientBase | pg.Pool): Promise<RepositorySchedule[]> =>
  (await client.query<{ id: string; org_id: string; sync_interval_seconds: number }>('SELECT * FROM repository_schedules()')).rows.map((r) => ({
    id: r.id,
    orgId: r.org_id,
    syncIntervalSeconds: r.sync_interval_seconds,
  }));

/**
 * A sync that failed as a whole (unreachable remote, bad credentials) keeps the live agents and records why.
 * The message must already be redacted (the git cache does that).
 */
export const recordRepositorySyncFailure = async (client: pg.ClientBase, failure: { id: string; message: string; at: Date }): Promise<void> => {
  const problem: SyncProblem = { file: '', line: 0, field: null, message: failure.message };
  await client.query('UPDATE repositories SET last_error = $2, last_synced_at = $3 WHERE id = $1', [failure.id, JSON.stringify([problem]), failure.at]);
};
