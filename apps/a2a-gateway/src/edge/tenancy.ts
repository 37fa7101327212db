import { withOrg, type Pool } from '@shaman/platform';

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
