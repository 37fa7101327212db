import { createAgentCatalog, type AgentCatalog } from '@shaman/agents';
import type { JetStreamEventStore } from '@shaman/event-store';
import { ShamanEvent, type AgentRef } from '@shaman/events';
import { dirname } from 'node:path';
import type { ResolvedAgent } from './tenant-agents.js';

/**
 * A run is pinned to the commit it started at (docs/agents.md, "Pinning"). A new root that joins an existing
 * run (A2A `contextId`, `metadata["shaman:runId"]`) is therefore read at the commit of the run's first root when
 * both come from the same repository: a push between the two never makes one run mix agent versions. An agent
 * the repository did not have at that commit joins at its current commit (it has no older version to pin to).
 */
export const createRunPinner = (deps: { store: JetStreamEventStore; catalogs?: Map<string, AgentCatalog> }) => {
  // Worktrees never change, so their catalogs are cached for good, keyed by path.
  const catalogs = deps.catalogs ?? new Map<string, AgentCatalog>();
  const catalogOf = (worktree: string): AgentCatalog => {
    let catalog = catalogs.get(worktree);
    if (!catalog) {
      catalog = createAgentCatalog(worktree, { ttlMs: Number.POSITIVE_INFINITY });
      catalogs.set(worktree, catalog);
    }
    return catalog;
  };

  /** The agent of the run's first root step, from the log (the read model may not have the run yet). */
  const firstRootAgent = async (orgId: string, runId: string): Promise<AgentRef | null> => {
    for await (const stored of deps.store.readFilter(`req.${orgId}.${runId}.*`)) {
      for (const raw of stored.commit.events) {
        const event = ShamanEvent.safeParse(raw);
        if (event.success && event.data.type === 'RunRequested' && event.data.data.parentStepId === null) return event.data.data.agent;
      }
    }
    return null;
  };

  return async (input: { orgId: string; runId: string; resolved: ResolvedAgent }): Promise<ResolvedAgent> => {
    const { resolved } = input;
    if (resolved.ref.commit === null) return resolved; // a plain directory: nothing to pin
    const first = await firstRootAgent(input.orgId, input.runId);
    // Worktrees live at <cache>/<repository key>/<commit>: the same parent is the same repository.
    if (!first?.commit || first.commit === resolved.ref.commit || dirname(first.repository) !== dirname(resolved.ref.repository)) return resolved;
    const pinned = await catalogOf(first.repository).get(resolved.ref.name).catch(() => undefined);
    return pinned ? { definition: pinned, ref: { name: resolved.ref.name, repository: first.repository, commit: first.commit } } : resolved;
  };
};
export type RunPinner = ReturnType<typeof createRunPinner>;
