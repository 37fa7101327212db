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
// The webhook secret is deliberately not part of the record: only the webhook reads it, through
// repositoryWebhookTarget (and zod drops the column here).
const Row = z.object({
  id: z.string(),
  org_id: z.string(),
  name: z.string(),
  url: z.string(),
  branch: z.string(),
  token_ciphertext: z.string().nullable(),
  sync_interval_seconds: z.number().int(),
  last_commit: z.string().nullable(),
  last_synced_at: z.date().nullable(),
  last_error: z.array(SyncProblem).nullable(),
  agents: z.record(z.string(), LiveAgent),
  aliases: z.record(z.string(), z.string()),
  created_at: z.date(),
});

export type RepositoryRecord = {
  id: string;
  orgId: string;
  name: string;
  url: string;
  branch: string;
  tokenCiphertext: string | null;
  syncIntervalSeconds: number;
  lastCommit: string | null;
  lastSyncedAt: Date | null;
  lastErrors: SyncProblem[] | null;
  agents: Record<string, LiveAgent>;
  aliases: Record<string, string>;
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
    syncIntervalSeconds: r.sync_interval_seconds,
    lastCommit: r.last_commit,
    lastSyncedAt: r.last_synced_at,
    lastErrors: r.last_error,
    agents: r.agents,
    aliases: r.aliases,
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
};

/**
 * Adds a repository, or updates url/branch/token/webhook secret of the one with that name (re-running
 * `repo add` edits it, and so rotates its webhook secret).
 */
export const upsertRepository = async (client: pg.ClientBase, repo: NewRepository): Promise<RepositoryRecord> => {
  const { rows } = await client.query(
    `INSERT INTO repositories (id, org_id, name, url, branch, token_ciphertext, webhook_secret_ciphertext) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (org_id, name) DO UPDATE SET url = EXCLUDED.url, branch = EXCLUDED.branch, token_ciphertext = EXCLUDED.token_ciphertext,
       webhook_secret_ciphertext = EXCLUDED.webhook_secret_ciphertext
     RETURNING *`,
    [newId(), repo.orgId, repo.name, repo.url, repo.branch ?? 'main', repo.tokenCiphertext ?? null, repo.webhookSecretCiphertext ?? null],
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

export type RepositoryWebhookTarget = { orgId: string; webhookSecretCiphertext: string | null };

/**
 * Who owns a repository and its sealed webhook secret, before any tenant is known (migrations/0007). `id`
 * must be a uuid; the caller checks that, so a malformed id is a 404 and not a database error.
 */
export const repositoryWebhookTarget = async (client: pg.ClientBase | pg.Pool, id: string): Promise<RepositoryWebhookTarget | null> => {
  const { rows } = await client.query<{ org_id: string; webhook_secret_ciphertext: string | null }>('SELECT * FROM repository_webhook_target($1)', [id]);
  const row = rows[0];
  return row ? { orgId: row.org_id, webhookSecretCiphertext: row.webhook_secret_ciphertext } : null;
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
  at: Date;
};

/** Stores what a sync made live. */
export const recordRepositorySync = async (client: pg.ClientBase, sync: RepositorySyncRecord): Promise<void> => {
  await client.query(
    'UPDATE repositories SET last_commit = $2, agents = $3, aliases = $4, last_error = $5, last_synced_at = $6 WHERE id = $1',
    [sync.id, sync.commit, JSON.stringify(sync.agents), JSON.stringify(sync.aliases), JSON.stringify(sync.errors), sync.at],
  );
};

/**
 * A sync that failed as a whole (unreachable remote, bad credentials) keeps the live agents and records why.
 * The message must already be redacted (the git cache does that).
 */
export const recordRepositorySyncFailure = async (client: pg.ClientBase, failure: { id: string; message: string; at: Date }): Promise<void> => {
  const problem: SyncProblem = { file: '', line: 0, field: null, message: failure.message };
  await client.query('UPDATE repositories SET last_error = $2, last_synced_at = $3 WHERE id = $1', [failure.id, JSON.stringify([problem]), failure.at]);
};
