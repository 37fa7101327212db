import type { PoolClient } from '@shaman/platform';
import { z } from 'zod';

export type ModelCacheSettings = { ttlSeconds: number | null; maxEntries: number; maxEntryBytes: number };

const Row = z.object({ llm_cache_ttl_seconds: z.number().nullable(), llm_cache_max_entries: z.number(), llm_cache_max_entry_bytes: z.number() });
const toSettings = (raw: unknown): ModelCacheSettings => {
  const r = Row.parse(raw);
  return { ttlSeconds: r.llm_cache_ttl_seconds, maxEntries: r.llm_cache_max_entries, maxEntryBytes: r.llm_cache_max_entry_bytes };
};
const COLUMNS = 'llm_cache_ttl_seconds, llm_cache_max_entries, llm_cache_max_entry_bytes';

/** The organization's model response cache settings (migration 0012). */
export const readModelCache = async (client: PoolClient, orgId: string): Promise<ModelCacheSettings> =>
  toSettings((await client.query(`SELECT ${COLUMNS} FROM organizations WHERE id = $1`, [orgId])).rows[0]);

/** Sets the TTL (null = off) and, when given, the bounds; executors apply it within their settings cache (~10 s). */
export const writeModelCache = async (client: PoolClient, orgId: string, input: { ttlSeconds?: number | null; maxEntries?: number | null; maxEntryBytes?: number | null }): Promise<ModelCacheSettings> => {
  const { rows } = await client.query(
    `UPDATE organizations SET llm_cache_ttl_seconds = $2, llm_cache_max_entries = COALESCE($3, llm_cache_max_entries),
       llm_cache_max_entry_bytes = COALESCE($4, llm_cache_max_entry_bytes) WHERE id = $1 RETURNING ${COLUMNS}`,
    [orgId, input.ttlSeconds ?? null, input.maxEntries ?? null, input.maxEntryBytes ?? null],
  );
  return toSettings(rows[0]);
};
