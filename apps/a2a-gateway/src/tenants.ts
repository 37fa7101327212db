import { createAgentCatalog, type AgentCatalog } from '@shaman/agents';
import { withOrg, type Pool } from '@shaman/platform';

export type Tenant = { id: string; slug: string; name: string; agentsRepository: string; agents: AgentCatalog };

/**
 * The caller's organization and its agent catalog, cached briefly: an organization's settings change
 * rarely, and every request needs them.
 */
export const createTenantDirectory = (pool: Pool, options: { ttlMs?: number } = {}) => {
  const ttl = options.ttlMs ?? 5000;
  const tenants = new Map<string, { tenant: Tenant; at: number }>();
  const catalogs = new Map<string, AgentCatalog>();
  return {
    get: async (orgId: string): Promise<Tenant | null> => {
      const cached = tenants.get(orgId);
      if (cached && Date.now() - cached.at < ttl) return cached.tenant;
      const row = await withOrg(pool, orgId, async (c) =>
        (await c.query<{ id: string; slug: string; name: string; agents_repository: string }>('SELECT id, slug, name, agents_repository FROM organizations WHERE id = $1', [orgId])).rows[0],
      );
      if (!row) return null;
      const agents = catalogs.get(row.agents_repository) ?? createAgentCatalog(row.agents_repository, { ttlMs: 2000 });
      catalogs.set(row.agents_repository, agents);
      const tenant = { id: row.id, slug: row.slug, name: row.name, agentsRepository: row.agents_repository, agents };
      tenants.set(orgId, { tenant, at: Date.now() });
      return tenant;
    },
  };
};
export type TenantDirectory = ReturnType<typeof createTenantDirectory>;
