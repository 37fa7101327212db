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

export type NewRepository = { orgId: string; name: string; url: string; branch?: string; tokenCiphertext?: string | null };

/** Adds a repository, or updates url/branch/token of the one with that name (re-running `repo add` edits it). */
export const upsertRepository = async (client: pg.ClientBase, repo: NewRepository): Promise<RepositoryRecord> => {
  const { rows } = await client.query(
    `INSERT INTO repositories (id, org_id, name, url, branch, token_ciphertext) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (org_id, name) DO UPDATE SET url = EXCLUDED.url, branch = EXCLUDED.branch, token_ciphertext = EXCLUDED.token_ciphertext
     RETURNING *`,
    [newId(), repo.orgId, repo.name, repo.url, repo.branch ?? 'main', repo.tokenCiphertext ?? null],
  );
  return toRecord(rows[0]);
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
