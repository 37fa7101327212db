import type pg from 'pg';
import { hashApiKey, looksLikeApiKey } from './api-keys.js';

export type ApiKeyPrincipal = { keyId: string; orgId: string; scopes: string[] };
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
  const { rows } = await pool.query<{ key_id: string; org_id: string; scopes: string[]; status: string; expires_at: Date | null }>(
    'SELECT * FROM authenticate_api_key($1)',
    [hashApiKey(key)],
  );
  const row = rows[0];
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.status !== 'active') return { ok: false, reason: 'revoked' };
  if (row.expires_at && row.expires_at <= now) return { ok: false, reason: 'expired' };
  return { ok: true, principal: { keyId: row.key_id, orgId: row.org_id, scopes: row.scopes } };
};
