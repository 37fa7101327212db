import { apiKeyFromHeaders, authenticateApiKey, looksLikeApiKey, type ApiKeyRejection, type Pool, type Role } from '@shaman/platform';
import { looksLikeJwt, OidcError, type OidcVerifier } from './oidc.js';
import { NO_ORGANIZATION, type Principal } from './principal.js';

export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; status: 401 | 403; message: string };

const KEY_MESSAGES: Record<ApiKeyRejection, string> = {
  missing: 'an API key or a bearer token is required (Authorization: Bearer sk_… | <OIDC token>, or x-api-key)',
  malformed: 'invalid API key',
  unknown: 'invalid API key',
  revoked: 'this API key has been revoked',
  expired: 'this API key has expired',
};

type Membership = { org_id: string; slug: string; name: string; role: Role };

/** The organization a person asked for (slug or id) among theirs; with none asked, their only one. */
const chooseMembership = (memberships: readonly Membership[], requested: string | undefined): Membership | null | 'not_member' => {
  if (requested === undefined) return memberships.length === 1 ? (memberships[0] ?? null) : null;
  return memberships.find((m) => m.slug === requested || m.org_id === requested) ?? 'not_member';
};

/**
 * Authenticates a request from its headers: an API key (`sk_…` in Authorization or x-api-key) or, when OIDC
 * is configured, a person's bearer JWT. A person acts in the organization named by `x-shaman-org` (slug or
 * id), or in their only one; with none selected they can still ask `viewer` and `organizations` and create
 * an organization, and nothing else.
 */
export const createAuthenticator = (deps: { pool: Pool; oidc: OidcVerifier | null }) =>
  async (headers: Record<string, string | string[] | undefined>): Promise<AuthOutcome> => {
    const token = apiKeyFromHeaders(headers);
    if (!token || looksLikeApiKey(token) || !deps.oidc || !looksLikeJwt(token)) {
      const result = await authenticateApiKey(deps.pool, token);
      if (!result.ok) return { ok: false, status: 401, message: KEY_MESSAGES[result.reason] };
      const key = result.principal;
      return {
        ok: true,
        principal: {
          orgId: key.orgId,
          role: key.role ?? 'VIEWER',
          actor: key.serviceAccountId ? { kind: 'service_account', id: key.serviceAccountId } : { kind: 'api_key', id: key.keyId },
          keyId: key.keyId,
          userId: null,
          person: null,
          scopes: key.scopes,
        },
      };
    }
    let identity;
    try {
      identity = await deps.oidc(token);
    } catch (error) {
      return { ok: false, status: 401, message: error instanceof OidcError ? error.message : 'the token could not be verified' };
    }
    const userId = (await deps.pool.query<{ id: string }>('SELECT upsert_oidc_user($1, $2, $3, $4) AS id', [identity.issuer, identity.subject, identity.email, identity.name])).rows[0]?.id;
    if (!userId) return { ok: false, status: 401, message: 'the token could not be verified' };
    const memberships = (await deps.pool.query<Membership>('SELECT * FROM user_memberships($1)', [userId])).rows;
    const requested = headers['x-shaman-org'];
    const chosen = chooseMembership(memberships, typeof requested === 'string' && requested !== '' ? requested : undefined);
    if (chosen === 'not_member') return { ok: false, status: 403, message: `you are not a member of organization ${String(requested)}` };
    return {
      ok: true,
      principal: { orgId: chosen?.org_id ?? NO_ORGANIZATION, role: chosen?.role ?? null, actor: { kind: 'user', id: userId }, keyId: null, userId, person: { email: identity.email, name: identity.name }, scopes: ['*'] },
    };
  };
export type Authenticator = ReturnType<typeof createAuthenticator>;
