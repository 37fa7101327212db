import { withOrg, type ApiKeyPrincipal, type Pool } from '@shaman/platform';
import { A2AError } from '../errors.js';

/**
 * The organization slug a Host header names under the base domain (`acme.agents.example.com` → `acme`), or null
 * when the host is the base domain itself or outside it. Only one label: `a.b.<base>` names nothing.
 */
export const orgSlugFromHost = (host: string | undefined, baseDomain: string | undefined): string | null => {
  if (!host || !baseDomain) return null;
  const name = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  const base = baseDomain.toLowerCase().replace(/^\./, '').replace(/\.$/, '');
  if (!name.endsWith(`.${base}`)) return null;
  const label = name.slice(0, -(base.length + 1));
  return /^[a-z0-9][a-z0-9-]*$/.test(label) ? label : null;
};

/** The slug of an organization, read under its own policy and remembered (slugs do not change). */
export const createSlugLookup = (pool: Pool) => {
  const known = new Map<string, string | null>();
  return async (orgId: string): Promise<string | null> => {
    const hit = known.get(orgId);
    if (hit !== undefined) return hit;
    const slug = await withOrg(pool, orgId, async (c) => (await c.query<{ slug: string }>('SELECT slug FROM organizations WHERE id = $1', [orgId])).rows[0]?.slug ?? null);
    if (slug !== null) known.set(orgId, slug);
    return slug;
  };
};

export type SlugLookup = ReturnType<typeof createSlugLookup>;

/**
 * v1.0 lets a request name its tenant: the REST path's optional `/{tenant}` prefix, or `tenant` in the JSON-RPC
 * params. Here a tenant is an organization, by slug, and the API key decides which one is served either way, so
 * a request naming another organization is refused (403) rather than quietly served for the key's own, as a
 * subdomain naming another one is at the edge.
 */
export const assertNamedTenant = async (slugOf: SlugLookup, input: { tenant: string | undefined; principal: ApiKeyPrincipal; namedBy: string }): Promise<void> => {
  if (input.tenant === undefined || (await slugOf(input.principal.orgId)) === input.tenant) return;
  throw new A2AError('forbidden', `this API key does not belong to tenant ${input.tenant} (named by ${input.namedBy})`, { reason: 'organization_mismatch' });
};
