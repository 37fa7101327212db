import type pg from 'pg';
import { generateApiKey, type ApiKeyEnvironment } from './api-keys.js';
import type { Role } from './auth.js';
import { newId } from './ids.js';

export type NewOrganization = { slug: string; name: string; agentsRepository: string };

/**
 * Creates an organization, or returns the existing one with that slug. Runs on an administrative connection
 * (migration role): creating tenants is not something a tenant-scoped role may do.
 */
export const ensureOrganization = async (client: pg.ClientBase, org: NewOrganization): Promise<{ id: string; created: boolean }> => {
  const existing = await client.query<{ id: string }>('SELECT id FROM organizations WHERE slug = $1', [org.slug]);
  if (existing.rows[0]) {
    await client.query('UPDATE organizations SET agents_repository = $2 WHERE id = $1', [existing.rows[0].id, org.agentsRepository]);
    return { id: existing.rows[0].id, created: false };
  }
  const id = newId();
  await client.query('INSERT INTO organizations (id, slug, name, agents_repository) VALUES ($1, $2, $3, $4)', [id, org.slug, org.name, org.agentsRepository]);
  return { id, created: true };
};

export type IssuedApiKey = { id: string; key: string; prefix: string };

/** Issues a key: the secret is returned once and never stored, only its hash. */
export const issueApiKey = async (
  client: pg.ClientBase,
  options: {
    orgId: string;
    name: string;
    scopes?: string[];
    env?: ApiKeyEnvironment;
    expiresAt?: Date | null;
    /** Default OWNER: the operator's CLI and the tests act for the whole organization. */
    role?: Role;
    serviceAccountId?: string | null;
    createdBy?: string;
  },
): Promise<IssuedApiKey> => {
  const id = newId();
  const generated = generateApiKey(options.env ?? 'live');
  await client.query(
    'INSERT INTO api_keys (id, org_id, name, prefix, hash, scopes, expires_at, role, service_account_id, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
    [id, options.orgId, options.name, generated.prefix, generated.hash, options.scopes ?? ['*'], options.expiresAt ?? null, options.role ?? 'OWNER', options.serviceAccountId ?? null, options.createdBy ?? 'cli'],
  );
  return { id, key: generated.key, prefix: generated.prefix };
};

export const revokeApiKey = async (client: pg.ClientBase, keyId: string): Promise<void> => {
  await client.query("UPDATE api_keys SET status = 'revoked' WHERE id = $1", [keyId]);
};
