import { openOrgSecrets, withOrg, type Pool, type SecretBox } from '@shaman/platform';
import type { OrgSecrets } from './mcp-client-pool.js';

/**
 * An organization's secrets, read under its row-level security and opened with the platform key, cached a
 * few seconds per organization so a burst of steps reads the table once. A rotated secret is used within
 * `ttlMs`; MCP connections are keyed by the resolved definition's digest, so it also opens a new connection.
 */
export const createOrgSecrets = (deps: { pool: Pool; secretBox: SecretBox; ttlMs?: number; clock?: () => number }): OrgSecrets => {
  const ttlMs = deps.ttlMs ?? 10_000;
  const clock = deps.clock ?? Date.now;
  const cache = new Map<string, { at: number; values: Promise<ReadonlyMap<string, string>> }>();
  return (orgId) => {
    const hit = cache.get(orgId);
    if (hit && clock() - hit.at < ttlMs) return hit.values;
    const values = withOrg(deps.pool, orgId, (c) => openOrgSecrets(c, deps.secretBox, orgId));
    cache.set(orgId, { at: clock(), values });
    // A failed read is not cached: the next step tries again.
    values.catch(() => cache.delete(orgId));
    return values;
  };
};
