import type pg from 'pg';
import type { SecretBox } from './secret-box.js';

/** The `${NAME}` alphabet; the same check as the table's (migrations/0009). */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export type SecretSummary = { name: string; createdAt: Date; updatedAt: Date };

/**
 * Stores (or replaces) an organization secret, sealed. Returns whether it replaced one. The caller's
 * transaction carries the tenant (withOrg): RLS refuses a row of another organization.
 */
export const putOrgSecret = async (client: pg.ClientBase, box: SecretBox, secret: { orgId: string; name: string; value: string }): Promise<{ replaced: boolean }> => {
  if (!SECRET_NAME.test(secret.name)) throw new RangeError(`secret name ${JSON.stringify(secret.name)} must match ${SECRET_NAME.source}`);
  const { rows } = await client.query<{ inserted: boolean }>(
    `INSERT INTO org_secrets (org_id, name, ciphertext) VALUES ($1, $2, $3)
     ON CONFLICT (org_id, name) DO UPDATE SET ciphertext = EXCLUDED.ciphertext, updated_at = now()
     RETURNING (xmax = 0) AS inserted`,
    [secret.orgId, secret.name, box.encrypt(secret.value)],
  );
  return { replaced: rows[0]?.inserted === false };
};

/** Deletes a secret; whether there was one. */
export const deleteOrgSecret = async (client: pg.ClientBase, where: { orgId: string; name: string }): Promise<boolean> =>
  ((await client.query('DELETE FROM org_secrets WHERE org_id = $1 AND name = $2', [where.orgId, where.name])).rowCount ?? 0) > 0;

/** Names and dates only: no API ever returns a secret's value. */
export const listOrgSecrets = async (client: pg.ClientBase, orgId: string): Promise<SecretSummary[]> =>
  (await client.query<{ name: string; created_at: Date; updated_at: Date }>('SELECT name, created_at, updated_at FROM org_secrets WHERE org_id = $1 ORDER BY name', [orgId])).rows.map(
    (r) => ({ name: r.name, createdAt: r.created_at, updatedAt: r.updated_at }),
  );

/** Opens every secret of an organization, for interpolation right before use. Never log the result. */
export const openOrgSecrets = async (client: pg.ClientBase, box: SecretBox, orgId: string): Promise<ReadonlyMap<string, string>> => {
  const { rows } = await client.query<{ name: string; ciphertext: string }>('SELECT name, ciphertext FROM org_secrets WHERE org_id = $1', [orgId]);
  return new Map(rows.map((r) => [r.name, box.decrypt(r.ciphertext)]));
};
