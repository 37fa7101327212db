import { withOrg, type Pool } from '@shaman/platform';
import { z } from 'zod';
import type { OrgCacheSettings } from './response-cache.js';

const Row = z.object({ llm_cache_ttl_seconds: z.number().int().nullable(), llm_cache_max_entries: z.number().int(), llm_cache_max_entry_bytes: z.number().int() });

/**
 * The organizations' cache settings, read under the organization's row-level security and kept `ttlMs` per
 * organization, so a burst of model calls reads the row once; a changed setting applies within `ttlMs`.
 */
export const createOrgCacheSettings = (deps: { pool: Pool; ttlMs?: number; clock?: () => number }): ((orgId: string) => Promise<OrgCacheSettings | null>) => {
  const ttlMs = deps.ttlMs ?? 10_000;
  const clock = deps.clock ?? Date.now;
  const held = new Map<string, { at: number; settings: Promise<OrgCacheSettings | null> }>();
  const read = (orgId: string): Promise<OrgCacheSettings | null> =>
    withOrg(deps.pool, orgId, async (c) => {
      const { rows } = await c.query('SELECT llm_cache_ttl_seconds, llm_cache_max_entries, llm_cache_max_entry_bytes FROM organizations WHERE id = $1', [orgId]);
      if (rows.length === 0) return null;
      const row = Row.parse(rows[0]);
      return { ttlSeconds: row.llm_cache_ttl_seconds, maxEntries: row.llm_cache_max_entries, maxEntryBytes: row.llm_cache_max_entry_bytes };
    });
  return (orgId) => {
    const hit = held.get(orgId);
    if (hit && clock() - hit.at < ttlMs) return hit.settings;
    const settings = read(orgId);
    held.set(orgId, { at: clock(), settings });
    settings.catch(() => held.delete(orgId));
    return settings;
  };
};
