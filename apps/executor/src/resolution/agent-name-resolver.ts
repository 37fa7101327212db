import { createAgentCatalog, readAgentsManifest, resolveAgentName, type AgentCatalog, type RepositorySource, type Resolution, type ResolutionSources } from '@shaman/agents';
import { assertPublicUrl, type Logger, type Pool } from '@shaman/platform';
import { dirname } from 'node:path';
import type { ToolContext } from '../activities/call-tool.activity.js';
import type { OrgSecrets } from '../tools/mcp-client-pool.js';
import { loadOrgSnapshot, type OrgSnapshot } from './org-snapshot.js';
import { createRegistryListings, type RegistryListingsDeps } from './registry-listings.js';
import type { RegistrySkipRecorder } from './registry-skips.js';

export type AgentNameResolver = {
  /** Which agent `name` means to the agent calling it (docs/agents.md, "Resolution"). */
  resolve(caller: ToolContext, name: string): Promise<Resolution>;
  /**
   * Drops what is held for an organization: its repositories or registries changed. With a registry, also
   * what is held of that registry (its listing, a recent failure), so a recovered one is asked again at once.
   */
  invalidate(orgId: string, registryId?: string): void;
};

export type AgentNameResolverDeps = {
  pool: Pool;
  logger: Pick<Logger, 'warn'>;
  /** The organization's secrets (registry credentials); without it a registry with `auth` is skipped. */
  orgSecrets?: OrgSecrets | undefined;
  /** Lets registries on loopback/private addresses through the SSRF guard (development, tests). */
  allowPrivateUrls?: boolean;
  /** Per registry request; a registry slower than this is skipped for this resolution. Default 3000. */
  registryTimeoutMs?: number;
  /**
   * How long an organization's repositories and registries are held. Repository and registry events
   * invalidate at once (resolution-invalidation.ts); this is the safety net for an event missed (a reconnect).
   */
  snapshotTtlMs?: number;
  /** Told of every registry a resolution skipped (the RegistrySkipped warning event); must not throw. */
  onSkipped?: RegistrySkipRecorder;
  clock?: () => number;
  fetchListing?: RegistryListingsDeps['fetchListing'];
};

/**
 * The executor side of the resolution pipeline: loads the sources (repositories, agents.json, registries) of the
 * caller's organization, holds them by commit until a repository event or the TTL says otherwise, and lets the
 * pure `resolveAgentName` decide. Registry listings are only fetched when nothing nearer has the name.
 */
export const createAgentNameResolver = (deps: AgentNameResolverDeps): AgentNameResolver => {
  const clock = deps.clock ?? Date.now;
  const ttlMs = deps.snapshotTtlMs ?? 10_000;
  const snapshots = new Map<string, { at: number; value: Promise<OrgSnapshot> }>();
  const directories = new Map<string, AgentCatalog>();
  const listings = createRegistryListings({
    secret: async (orgId, name) => (await deps.orgSecrets?.(orgId))?.get(name),
    assertUrl: (url) => assertPublicUrl(url, { allowPrivate: deps.allowPrivateUrls ?? false }),
    timeoutMs: deps.registryTimeoutMs ?? 3000,
    logger: deps.logger,
    clock,
    ...(deps.fetchListing ? { fetchListing: deps.fetchListing } : {}),
  });

  const snapshotOf = (orgId: string): Promise<OrgSnapshot> => {
    const hit = snapshots.get(orgId);
    if (hit && clock() - hit.at < ttlMs) return hit.value;
    const value = loadOrgSnapshot(deps.pool, orgId);
    snapshots.set(orgId, { at: clock(), value });
    value.catch(() => snapshots.delete(orgId));
    return value;
  };

  // A caller in no synced repository runs from a plain directory (an organization's agents_repository): it is
  // its own repository, named by the directory, with its own agents.json.
  const directorySource = async (dir: string): Promise<RepositorySource> => {
    let catalog = directories.get(dir);
    if (!catalog) directories.set(dir, (catalog = createAgentCatalog(dir)));
    const [agents, manifest] = await Promise.all([catalog.list(), readAgentsManifest(dir)]);
    return { name: dir, agents: agents.map((a) => a.name), aliases: manifest.manifest.aliases, externalAgents: manifest.manifest.agents };
  };

  const localSources = async (caller: ToolContext, snapshot: OrgSnapshot): Promise<ResolutionSources> => {
    const root = dirname(caller.repository);
    const own = snapshot.repositories.find((r) => r.worktreeRoots.has(root));
    const others = snapshot.repositories.filter((r) => r !== own);
    const callerSource = own ?? (snapshot.repositories.length === 0 || caller.commit == null ? await directorySource(caller.repository) : null);
    return { caller: callerSource, others, registries: [] };
  };

  return {
    resolve: async (caller, name) => {
      const snapshot = await snapshotOf(caller.orgId);
      const local = await localSources(caller, snapshot);
      const nearby = resolveAgentName(name, local);
      if (nearby.kind !== 'not_found' || nearby.name.includes('/') || snapshot.registries.length === 0) return nearby;
      const registries = await Promise.all(snapshot.registries.map((row) => listings.source(caller.orgId, row)));
      snapshot.registries.forEach((row, i) => {
        const skipped = registries[i];
        if (skipped?.agents === null) deps.onSkipped?.(caller, name, { registryId: row.id, name: row.name, reason: skipped.reason ?? row.status });
      });
      return resolveAgentName(name, { ...local, registries });
    },
    // Other listings stay: they are held by registry id and ETag, and a removed registry leaves the snapshot.
    invalidate: (orgId, registryId) => {
      snapshots.delete(orgId);
      if (registryId) listings.forget(registryId);
    },
  };
};
