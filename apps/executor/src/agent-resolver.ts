import { createAgentCatalog, type AgentCatalog, type AgentDefinition } from '@shaman/agents';
import type { AgentRef } from '@shaman/events';

export type AgentResolution = { ok: true; agent: AgentDefinition } | { ok: false; code: 'agent_not_found' | 'agent_invalid'; message: string };
export type AgentResolver = { resolve(ref: AgentRef): Promise<AgentResolution> };

/**
 * Finds a step's agent in the repository its request pinned. One catalog per repository, each caching its
 * parse for a short TTL, so thousands of steps of one agent read its file once.
 */
export const createAgentResolver = (options: { ttlMs?: number } = {}): AgentResolver => {
  const catalogs = new Map<string, AgentCatalog>();
  const catalogOf = (repository: string): AgentCatalog => {
    let catalog = catalogs.get(repository);
    if (!catalog) {
      catalog = createAgentCatalog(repository, { ttlMs: options.ttlMs ?? 2000 });
      catalogs.set(repository, catalog);
    }
    return catalog;
  };
  return {
    resolve: async (ref) => {
      const catalog = catalogOf(ref.repository);
      const agent = await catalog.get(ref.name);
      if (agent) return { ok: true, agent };
      const invalid = (await catalog.errors()).find((e) => e.message.includes(ref.name));
      return invalid
        ? { ok: false, code: 'agent_invalid', message: invalid.message }
        : { ok: false, code: 'agent_not_found', message: `no agent named ${ref.name} in ${ref.repository}` };
    },
  };
};
