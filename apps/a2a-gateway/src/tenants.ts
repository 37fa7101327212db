import { createAgentCatalog, type AgentCatalog } from '@shaman/agents';
import { listRepositories, withOrg, type Pool } from '@shaman/platform';
import { directoryAgents, repositoryAgents, type TenantAgents } from './tenant-agents.js';

export type Tenant = { id: string; slug: string; name: string; agentsRepository: string | null; agents: TenantAgents };

type OrgRow = { id: string; slug: string; name: string; agents_repository: string | null };

/** An organization with neither a synced repository nor an agent directory offers nothing (never the cwd). */
const NO_AGENTS: TenantAgents = { resolve: async () => undefined, list: async () => [] };

/**
 * The caller's organization and its agents, cached briefly: an organization's settings change rarely, and
 * every request needs them. An organization with at least one synced git repository takes its agents from
 * those (pinned to commits); one without keeps reading its `agents_repository` directory.
 */
export const createTenantDirectory = (pool: Pool, options: { ttlMs?: number } = {}) => {
  const ttl = options.ttlMs ?? 5000;
  const tenants = new Map<string, { tenant: Tenant; at: number }>();
  const catalogs = new Map<string, AgentCatalog>();
  const worktreeCatalogs = new Map<string, AgentCatalog>();
  return {
    get: async (orgId: string): Promise<Tenant | null> => {
      const cached = tenants.get(orgId);
      if (cached && Date.now() - cached.at < ttl) return cached.tenant;
      const found = await withOrg(pool, orgId, async (c) => {
        const row = (await c.query<OrgRow>('SELECT id, slug, name, agents_repository FROM organizations WHERE id = $1', [orgId])).rows[0];
        return row ? { row, repositories: await listRepositories(c, orgId) } : undefined;
      });
      if (!found) return null;
      const { row } = found;
      const synced = found.repositories.filter((r) => r.lastCommit !== null);
      let agents: TenantAgents;
      if (synced.length > 0) agents = repositoryAgents(synced, worktreeCatalogs);
      else if (!row.agents_repository) agents = NO_AGENTS;
      else {
        const catalog = catalogs.get(row.agents_repository) ?? createAgentCatalog(row.agents_repository, { ttlMs: 2000 });
        catalogs.set(row.agents_repository, catalog);
        agents = directoryAgents(catalog, row.agents_repository);
      }
      const tenant = { id: row.id, slug: row.slug, name: row.name, agentsRepository: row.agents_repository, agents };
      tenants.set(orgId, { tenant, at: Date.now() });
      return tenant;
    },
  };
};
export type TenantDirectory = ReturnType<typeof createTenantDirectory>;
