import { hashApiKey, looksLikeApiKey } from '@shaman/platform';
import type pg from 'pg';

/** `role` is the API key's (null for `--org`: an operator with administrative database access). */
export type ResolvedOrg = { id: string; slug: string; pinnedBy: 'flag' | 'api-key'; role: string | null };
export type OrgResolution = { ok: true; org: ResolvedOrg } | { ok: false; message: string };

type KeyRow = { org_id: string; status: string; expires_at: Date | null; slug: string; role: string };

const RANK: Readonly<Record<string, number>> = { OWNER: 4, ADMIN: 3, DEVELOPER: 2, VIEWER: 1 };

/**
 * Null when the caller may act with `minimum` (an operator naming the organization always may), else the refusal,
 * with the same role ranks as GraphQL (apps/gql-api/src/auth/roles.ts).
 */
export const refusedBelow = (org: ResolvedOrg, input: { minimum: 'DEVELOPER' | 'ADMIN'; action: string }): string | null =>
  org.role === null || (RANK[org.role] ?? 0) >= (RANK[input.minimum] ?? 0) ? null : `SHAMAN_API_KEY has the ${org.role} role; ${input.action} needs ${input.minimum} or above`;

/**
 * The organization a command acts for: `--org <slug>`, else the one SHAMAN_API_KEY belongs to (looked up through
 * the same `authenticate_api_key` function the gateway uses), else none (an administrator must name one).
 */
export const resolveOrg = async (client: pg.Client, input: { slug?: string; apiKey?: string }): Promise<OrgResolution> => {
  if (input.slug !== undefined) {
    const row = (await client.query<{ id: string }>('SELECT id FROM organizations WHERE slug = $1', [input.slug])).rows[0];
    return row ? { ok: true, org: { id: row.id, slug: input.slug, pinnedBy: 'flag', role: null } } : { ok: false, message: `no organization with slug ${input.slug}` };
  }
  if (!input.apiKey) return { ok: false, message: '--org <slug> is required (or set SHAMAN_API_KEY to act for its organization)' };
  if (!looksLikeApiKey(input.apiKey)) return { ok: false, message: 'SHAMAN_API_KEY is not an API key (sk_…)' };
  const row = (
    await client.query<KeyRow>(
      'SELECT k.org_id, k.status, k.expires_at, k.role, o.slug FROM authenticate_api_key($1) k JOIN organizations o ON o.id = k.org_id',
      [hashApiKey(input.apiKey)],
    )
  ).rows[0];
  if (!row) return { ok: false, message: 'SHAMAN_API_KEY is not a known API key' };
  if (row.status !== 'active') return { ok: false, message: 'SHAMAN_API_KEY is revoked' };
  if (row.expires_at && row.expires_at <= new Date()) return { ok: false, message: 'SHAMAN_API_KEY has expired' };
  return { ok: true, org: { id: row.org_id, slug: row.slug, pinnedBy: 'api-key', role: row.role } };
};
