import type pg from 'pg';
import { hashApiKey, looksLikeApiKey } from './api-keys.js';

/** Roles, strongest first; what each may do is the GraphQL API's to decide (apps/gql-api/src/auth/roles.ts). */
export const ROLES = ['OWNER', 'ADMIN', 'DEVELOPER', 'VIEWER'] as const;
export type Role = (typeof ROLES)[number];

export type ApiKeyPrincipal = {
  keyId: string;
  orgId: string;
  scopes: string[];
  /**
   * The key's role; a service account's key acts with its account's role. Authentication always sets both;
   * they are optional for principals built by hand (tests of the gateway, which needs no role), and a missing
   * role counts as the weakest.
   */
  role?: Role;
  serviceAccountId?: string | null;
};
export type ApiKeyRejection = 'missing' | 'malformed' | 'unknown' | 'revoked' | 'expired';
export type ApiKeyAuthResult = { ok: true; principal: ApiKeyPrincipal } | { ok: false; reason: ApiKeyRejection };

/** Reads a key from `Authorization: Bearer sk_…` or `x-api-key`. */
export const apiKeyFromHeaders = (headers: Record<string, string | string[] | undefined>): string | null => {
  const auth = headers['authorization'];
  const bearer = typeof auth === 'string' ? /^Bearer\s+(\S+)$/i.exec(auth)?.[1] : undefined;
  const header = headers['x-api-key'];
  return bearer ?? (typeof header === 'string' && header.length > 0 ? header : null);
};

/**
 * Resolves an API key to its organization through the one SECURITY DEFINER function that may look across
 * tenants (migrations/0002). The caller's pool is the app role; nothing else here bypasses RLS.
 */
export const authenticateApiKey = async (pool: pg.Pool, key: string | null, now: Date = new Date()): Promise<ApiKeyAuthResult> => {
  if (!key) return { ok: false, reason: 'missing' };
  if (!looksLikeApiKey(key)) return { ok: false, reason: 'malformed' };
  return judge(await lookup(pool, hashApiKey(key)), now);
};

type KeyRow = { key_id: string; org_id: string; scopes: string[]; status: string; expires_at: Date | null; role: string; service_account_id: string | null };

const asRole = (value: string): Role => ((ROLES as readonly string[]).includes(value) ? (value as Role) : 'VIEWER');

const lookup = async (pool: pg.Pool, hash: string): Promise<KeyRow | undefined> =>
  (await pool.query<KeyRow>('SELECT * FROM authenticate_api_key($1)', [hash])).rows[0];

const judge = (row: KeyRow | undefined, now: Date): ApiKeyAuthResult => {
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.status !== 'active') return { ok: false, reason: 'revoked' };
  if (row.expires_at && row.expires_at <= now) return { ok: false, reason: 'expired' };
  return { ok: true, principal: { keyId: row.key_id, orgId: row.org_id, scopes: row.scopes, role: asRole(row.role), serviceAccountId: row.service_account_id } };
};

export type ApiKeyAuthenticator = (key: string | null, now?: Date) => Promise<ApiKeyAuthResult>;

/**
 * `authenticateApiKey` with a short in-process memory of keys that were valid, so a busy caller does not cost a
 * database round trip per request. Only successes are remembered, never longer than `ttlMs`, and the key's
 * expiry is checked on every hit; so a revoked key stops working within `ttlMs` (documented), an expired one
 * at once. `ttlMs: 0` disables it.
 */
export const createApiKeyAuthenticator = (pool: pg.Pool, options: { ttlMs: number; maxEntries?: number }): ApiKeyAuthenticator => {
  const remembered = new Map<string, { row: KeyRow; until: number }>();
  const max = options.maxEntries ?? 10_000;
  return async (key, now = new Date()) => {
    if (!key) return { ok: false, reason: 'missing' };
    if (!looksLikeApiKey(key)) return { ok: false, reason: 'malformed' };
    const hash = hashApiKey(key);
    const hit = remembered.get(hash);
    if (hit && hit.until > now.getTime()) return judge(hit.row, now);
    const row = await lookup(pool, hash);
    const result = judge(row, now);
    remembered.delete(hash);
    if (result.ok && row && options.ttlMs > 0) {
      if (remembered.size >= max) remembered.delete(remembered.keys().next().value as string);
      remembered.set(hash, { row, until: now.getTime() + options.ttlMs });
    }
    return result;
  };
};
