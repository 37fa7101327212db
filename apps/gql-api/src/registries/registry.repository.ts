import { RegistryAgent, RegistryStatus, type RegistryFetch } from '@shaman/agents';
import { newId, type PoolClient } from '@shaman/platform';
import { z } from 'zod';

/** An `agent_registries` row (migration 0012), as the API shows it. */
export type RegistryRecord = {
  id: string;
  name: string;
  url: string;
  auth: string | null;
  status: RegistryStatus;
  lastCheckedAt: Date | null;
  lastError: string | null;
  etag: string | null;
  agents: RegistryAgent[];
  createdAt: Date;
};

const Row = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  auth: z.string().nullable(),
  status: RegistryStatus,
  last_checked_at: z.date().nullable(),
  last_error: z.string().nullable(),
  etag: z.string().nullable(),
  listing: z.unknown(),
  created_at: z.date(),
});

// A stored listing written by another version is shown as far as it still parses.
const agentsOf = (listing: unknown): RegistryAgent[] =>
  Array.isArray(listing) ? listing.flatMap((a) => { const p = RegistryAgent.safeParse(a); return p.success ? [p.data] : []; }) : [];

const toRecord = (raw: unknown): RegistryRecord => {
  const r = Row.parse(raw);
  return { id: r.id, name: r.name, url: r.url, auth: r.auth, status: r.status, lastCheckedAt: r.last_checked_at, lastError: r.last_error, etag: r.etag, agents: agentsOf(r.listing), createdAt: r.created_at };
};

const COLUMNS = 'id, name, url, auth, status, last_checked_at, last_error, etag, listing, created_at';

/** The organization's registries by name (RLS scopes the read to the transaction's organization). */
export const listRegistries = async (client: PoolClient): Promise<RegistryRecord[]> =>
  (await client.query(`SELECT ${COLUMNS} FROM agent_registries ORDER BY name`)).rows.map(toRecord);

export const findRegistry = async (client: PoolClient, id: string): Promise<RegistryRecord | null> => {
  const { rows } = await client.query(`SELECT ${COLUMNS} FROM agent_registries WHERE id = $1`, [id]);
  return rows.length === 0 ? null : toRecord(rows[0]);
};

/** Inserts a registry; null when the organization already has one of that name. */
export const insertRegistry = async (client: PoolClient, input: { orgId: string; name: string; url: string; auth: string | null }): Promise<RegistryRecord | null> => {
  const { rows } = await client.query(
    `INSERT INTO agent_registries (id, org_id, name, url, auth) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (org_id, name) DO NOTHING RETURNING ${COLUMNS}`,
    [newId(), input.orgId, input.name, input.url, input.auth],
  );
  return rows.length === 0 ? null : toRecord(rows[0]);
};

/** Deletes a registry; its name (for the RegistryRemoved event), or null when there was none. */
export const deleteRegistry = async (client: PoolClient, id: string): Promise<{ id: string; name: string } | null> => {
  const { rows } = await client.query<{ id: string; name: string }>('DELETE FROM agent_registries WHERE id = $1 RETURNING id, name', [id]);
  return rows[0] ?? null;
};

/** A recorded check: the registry as it is now, and the status it had just before (to tell a change). */
export type RecordedCheck = { registry: RegistryRecord; previousStatus: RegistryStatus };

// The row is locked while its old status is read, so of two concurrent checks the second sees the first's
// outcome as "previous": each change of status is reported once.
const withPrevious = (update: string): string =>
  `WITH old AS (SELECT status FROM agent_registries WHERE id = $1 FOR UPDATE)
   UPDATE agent_registries r SET ${update} FROM old WHERE r.id = $1
   RETURNING ${COLUMNS.split(', ').map((c) => `r.${c}`).join(', ')}, old.status AS previous_status`;

/**
 * Records a check: a listing (or 304: the stored one stands) makes the registry healthy, a failure unhealthy
 * with its error; the last good listing is kept either way. Returns the updated record and the status before
 * (null when removed since).
 */
export const recordRegistryCheck = async (client: PoolClient, id: string, outcome: RegistryFetch): Promise<RecordedCheck | null> => {
  const { rows } = outcome.ok
    ? await client.query(
        withPrevious(`status = 'healthy', last_checked_at = now(), last_error = NULL, etag = $2,
           listing = CASE WHEN $3::jsonb IS NULL THEN r.listing ELSE $3::jsonb END`),
        [id, outcome.etag, outcome.notModified ? null : JSON.stringify(outcome.agents)],
      )
    : await client.query(withPrevious(`status = 'unhealthy', last_checked_at = now(), last_error = $2`), [id, outcome.error]);
  const row = rows[0] as Record<string, unknown> | undefined;
  return row ? { registry: toRecord(row), previousStatus: RegistryStatus.parse(row['previous_status']) } : null;
};

/** Every registry of every organization (id and owner only), for the scheduled health check. */
export const listRegistryTargets = async (client: PoolClient): Promise<{ id: string; orgId: string }[]> =>
  (await client.query<{ id: string; org_id: string }>('SELECT id, org_id FROM agent_registry_targets()')).rows.map((r) => ({ id: r.id, orgId: r.org_id }));
