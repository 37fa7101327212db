import { createAgentCatalog, type AgentCatalog, type AgentDefinition } from '@shaman/agents';
import type { AgentRef } from '@shaman/events';
import type { RepositoryRecord } from '@shaman/platform';

/** An agent found for a caller: its definition, and the reference `RunRequested` pins the run to. */
export type ResolvedAgent = { definition: AgentDefinition; ref: AgentRef };

/** The agents an organization offers, however they are stored. */
export type TenantAgents = {
  /** By name, alias (agents.json) or `<repo>/<name>`; undefined when unknown or ambiguous. */
  resolve(name: string): Promise<ResolvedAgent | undefined>;
  list(): Promise<AgentDefinition[]>;
};

/** The pre-git layout: one local directory, re-read every couple of seconds, no commit to pin. */
export const directoryAgents = (catalog: AgentCatalog, repository: string): TenantAgents => ({
  resolve: async (name) => {
    const definition = await catalog.get(name);
    return definition ? { definition, ref: { name: definition.name, repository, commit: null } } : undefined;
  },
  list: () => catalog.list(),
});

type Entry = { repo: string; name: string; worktree: string; commit: string };

/**
 * Names a caller may use for the agents of synced repositories.
 *
 * - `<repo>/<Agent>` always names one agent; `<repo>/<alias>` too.
 * - A bare `<Agent>` or alias works while exactly one repository offers it. When several do, it is ambiguous
 *   and only the qualified names resolve: we never guess which repository the caller meant.
 */
const indexNames = (repositories: readonly RepositoryRecord[]): Map<string, Entry[]> => {
  const index = new Map<string, Entry[]>();
  const add = (key: string, entry: Entry) => index.set(key, [...(index.get(key) ?? []), entry]);
  for (const repo of repositories) {
    const entries = new Map(Object.entries(repo.agents).map(([name, live]) => [name, { repo: repo.name, name, worktree: live.worktree, commit: live.commit }]));
    const named = [...entries].concat(Object.entries(repo.aliases).flatMap(([alias, target]) => {
      const entry = entries.get(target);
      return entry ? [[alias, entry] as [string, Entry]] : [];
    }));
    for (const [key, entry] of named) {
      add(`${repo.name}/${key}`, entry);
      add(key, entry);
    }
  }
  return index;
};

/**
 * Agents from the organization's synced repositories, each read from the worktree of the commit the last
 * sync made live for it. Worktrees never change, so their catalogs are cached for good (`catalogs` is shared
 * across tenants' refreshes and keyed by worktree path).
 */
export const repositoryAgents = (repositories: readonly RepositoryRecord[], catalogs: Map<string, AgentCatalog>): TenantAgents => {
  const index = indexNames(repositories);
  const catalogOf = (worktree: string): AgentCatalog => {
    let catalog = catalogs.get(worktree);
    if (!catalog) {
      catalog = createAgentCatalog(worktree, { ttlMs: Number.POSITIVE_INFINITY });
      catalogs.set(worktree, catalog);
    }
    return catalog;
  };
  const load = async (entry: Entry): Promise<ResolvedAgent | undefined> => {
    const definition = await catalogOf(entry.worktree).get(entry.name);
    return definition ? { definition, ref: { name: entry.name, repository: entry.worktree, commit: entry.commit } } : undefined;
  };
  return {
    resolve: async (name) => {
      const entries = index.get(name) ?? [];
      const distinct = new Set(entries.map((e) => `${e.repo}/${e.name}`));
      const [entry] = entries;
      return entry && distinct.size === 1 ? load(entry) : undefined;
    },
    // An ambiguous agent is listed under its qualified name, the one a caller must use (and card skill ids stay unique).
    list: async () => {
      const all = repositories.flatMap((repo) => Object.entries(repo.agents).map(([name, live]) => ({ repo: repo.name, name, worktree: live.worktree, commit: live.commit })));
      const loaded = await Promise.all(all.map(async (entry) => ({ entry, resolved: await load(entry) })));
      return loaded.flatMap(({ entry, resolved }) => {
        if (!resolved) return [];
        const ambiguous = new Set((index.get(entry.name) ?? []).map((e) => e.repo)).size > 1;
        return [ambiguous ? { ...resolved.definition, name: `${entry.repo}/${entry.name}` } : resolved.definition];
      });
    },
  };
};
