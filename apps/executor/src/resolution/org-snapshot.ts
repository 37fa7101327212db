import { ExternalAgent, RegistryAgent, RegistryStatus, type RepositorySource } from '@shaman/agents';
import { listRepositories, withOrg, type Pool, type PoolClient } from '@shaman/platform';
import { dirname } from 'node:path';
import { z } from 'zod';

/**
 * A repository as resolution needs it, plus the directories its worktrees live in (`<cache>/<repoKey>/<commit>`):
 * a caller pinned to any commit of the repository runs in a worktree under one of them.
 */
export type RepositoryEntry = RepositorySource & { id: string; worktreeRoots: ReadonlySet<string> };

/** An `agent_registries` row (migration 0012), parsed at the ingress. */
export type RegistryRow = {
  id: string;
  name: string;
  url: string;
  auth: string | null;
  status: RegistryStatus;
  lastError: string | null;
  etag: string | null;
  listing: RegistryAgent[] | null;
};

/** What one organization offers to resolution, read in one transaction under its row-level security. */
export type OrgSnapshot = { repositories: RepositoryEntry[]; registries: RegistryRow[] };

const Row = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  auth: z.string().nullable(),
  status: RegistryStatus,
  last_error: z.string().nullable(),
  etag: z.string().nullable(),
  // A stored listing that no longer parses (written by another version) is dropped, not trusted.
  listing: z.unknown().transform((v) => (Array.isArray(v) ? v.flatMap((a) => { const p = RegistryAgent.safeParse(a); return p.success ? [p.data] : []; }) : null)),
});

// agents.json was validated by the sync that stored it; parsing again keeps a row of an older shape from
// reaching resolution as a wrong one (an entry that fails is left out).
const externalAgentsOf = (raw: Record<string, Record<string, unknown>>): Record<string, ExternalAgent> =>
  Object.fromEntries(Object.entries(raw).flatMap(([name, value]) => { const p = ExternalAgent.safeParse(value); return p.success ? [[name, p.data]] : []; }));

export const readRegistryRows = async (client: PoolClient): Promise<RegistryRow[]> => {
  const { rows } = await client.query('SELECT id, name, url, auth, status, last_error, etag, listing FROM agent_registries ORDER BY name');
  return rows.map((raw) => {
    const r = Row.parse(raw);
    return { id: r.id, name: r.name, url: r.url, auth: r.auth, status: r.status, lastError: r.last_error, etag: r.etag, listing: r.listing };
  });
};

export const loadOrgSnapshot = (pool: Pool, orgId: string): Promise<OrgSnapshot> =>
  withOrg(pool, orgId, async (client) => {
    const repos = await listRepositories(client, orgId);
    const repositories = repos.map((repo): RepositoryEntry => ({
      id: repo.id,
      name: repo.name,
      agents: Object.keys(repo.agents),
      aliases: repo.aliases,
      externalAgents: externalAgentsOf(repo.externalAgents),
      worktreeRoots: new Set(Object.values(repo.agents).map((live) => dirname(live.worktree))),
    }));
    return { repositories, registries: await readRegistryRows(client) };
  });
