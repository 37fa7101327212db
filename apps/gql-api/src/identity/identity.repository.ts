import type { PoolClient, Role } from '@shaman/platform';

export type OrganizationView = { id: string; slug: string; name: string; createdAt: Date };
export type UserView = { id: string; email: string | null; name: string | null };
export type MemberView = { user: UserView; role: Role; createdAt: Date };
export type ServiceAccountView = { id: string; name: string; role: Role; createdAt: Date };
export type ApiKeyView = {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  scopes: string[];
  status: 'ACTIVE' | 'REVOKED' | 'EXPIRED';
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
  createdBy: string | null;
  serviceAccountId: string | null;
};

// Reads run under the caller's organization (withOrg): RLS scopes every statement, the explicit org filters
// only make the query plans use the org indexes.

export const findOrganization = async (c: PoolClient, orgId: string): Promise<OrganizationView | null> => {
  const row = (await c.query<{ id: string; slug: string; name: string; created_at: Date }>('SELECT id, slug, name, created_at FROM organizations WHERE id = $1', [orgId])).rows[0];
  return row ? { id: row.id, slug: row.slug, name: row.name, createdAt: row.created_at } : null;
};

export const renameOrganization = async (c: PoolClient, orgId: string, name: string): Promise<OrganizationView | null> => {
  await c.query('UPDATE organizations SET name = $2 WHERE id = $1', [orgId, name]);
  return findOrganization(c, orgId);
};

type MemberRow = { user_id: string; email: string | null; name: string | null; role: Role; created_at: Date };
const toMember = (r: MemberRow): MemberView => ({ user: { id: r.user_id, email: r.email, name: r.name }, role: r.role, createdAt: r.created_at });
const MEMBERS = 'SELECT m.user_id, u.email, u.name, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1';

export const listMembers = async (c: PoolClient, orgId: string): Promise<MemberView[]> => (await c.query<MemberRow>(`${MEMBERS} ORDER BY m.user_id`, [orgId])).rows.map(toMember);

export const findMember = async (c: PoolClient, orgId: string, userId: string): Promise<MemberView | null> => {
  const row = (await c.query<MemberRow>(`${MEMBERS} AND m.user_id = $2`, [orgId, userId])).rows[0];
  return row ? toMember(row) : null;
};

export const countOwners = async (c: PoolClient, orgId: string): Promise<number> =>
  (await c.query<{ n: number }>("SELECT count(*)::int AS n FROM memberships WHERE org_id = $1 AND role = 'OWNER'", [orgId])).rows[0]?.n ?? 0;

export const upsertMember = async (c: PoolClient, m: { orgId: string; userId: string; role: Role }): Promise<void> => {
  await c.query('INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, $3) ON CONFLICT (org_id, user_id) DO UPDATE SET role = EXCLUDED.role', [m.orgId, m.userId, m.role]);
};

export const deleteMember = async (c: PoolClient, orgId: string, userId: string): Promise<boolean> =>
  ((await c.query('DELETE FROM memberships WHERE org_id = $1 AND user_id = $2', [orgId, userId])).rowCount ?? 0) > 0;

type KeyRow = {
  id: string; name: string; prefix: string; role: Role; scopes: string[]; status: string; expires_at: Date | null;
  last_used_at: Date | null; created_at: Date; created_by: string | null; service_account_id: string | null;
};
const toKey = (r: KeyRow, now: Date): ApiKeyView => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  role: r.role,
  scopes: r.scopes,
  status: r.status === 'revoked' ? 'REVOKED' : r.expires_at && r.expires_at <= now ? 'EXPIRED' : 'ACTIVE',
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  createdAt: r.created_at,
  createdBy: r.created_by,
  serviceAccountId: r.service_account_id,
});
const KEYS = 'SELECT id, name, prefix, role, scopes, status, expires_at, last_used_at, created_at, created_by, service_account_id FROM api_keys WHERE org_id = $1';

/** Newest first. The hash never leaves the database. */
export const listApiKeys = async (c: PoolClient, q: { orgId: string; includeRevoked: boolean; now: Date }): Promise<ApiKeyView[]> =>
  (await c.query<KeyRow>(`${KEYS} AND ($2 OR status = 'active') ORDER BY created_at DESC, id DESC`, [q.orgId, q.includeRevoked])).rows.map((r) => toKey(r, q.now));

export const findApiKey = async (c: PoolClient, q: { orgId: string; id: string }): Promise<ApiKeyView | null> => {
  const row = (await c.query<KeyRow>(`${KEYS} AND id = $2`, [q.orgId, q.id])).rows[0];
  return row ? toKey(row, new Date()) : null;
};

export const revokeKey = async (c: PoolClient, orgId: string, id: string): Promise<boolean> =>
  ((await c.query("UPDATE api_keys SET status = 'revoked' WHERE org_id = $1 AND id = $2", [orgId, id])).rowCount ?? 0) > 0;

type AccountRow = { id: string; name: string; role: Role; created_at: Date };
const toAccount = (r: AccountRow): ServiceAccountView => ({ id: r.id, name: r.name, role: r.role, createdAt: r.created_at });

export const listServiceAccounts = async (c: PoolClient, orgId: string): Promise<ServiceAccountView[]> =>
  (await c.query<AccountRow>('SELECT id, name, role, created_at FROM service_accounts WHERE org_id = $1 ORDER BY name', [orgId])).rows.map(toAccount);

export const findServiceAccount = async (c: PoolClient, orgId: string, id: string): Promise<ServiceAccountView | null> => {
  const row = (await c.query<AccountRow>('SELECT id, name, role, created_at FROM service_accounts WHERE org_id = $1 AND id = $2', [orgId, id])).rows[0];
  return row ? toAccount(row) : null;
};

/** Null when the organization already has an account of that name. */
export const insertServiceAccount = async (c: PoolClient, a: { id: string; orgId: string; name: string; role: Role }): Promise<ServiceAccountView | null> => {
  const row = (await c.query<AccountRow>(
    'INSERT INTO service_accounts (id, org_id, name, role) VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, name) DO NOTHING RETURNING id, name, role, created_at',
    [a.id, a.orgId, a.name, a.role],
  )).rows[0];
  return row ? toAccount(row) : null;
};

/** Deletes the account; its keys go with it (ON DELETE CASCADE), so they stop authenticating at once. */
export const deleteServiceAccountRow = async (c: PoolClient, orgId: string, id: string): Promise<boolean> =>
  ((await c.query('DELETE FROM service_accounts WHERE org_id = $1 AND id = $2', [orgId, id])).rowCount ?? 0) > 0;
