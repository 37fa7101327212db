import { LlmResponded } from '@shaman/events';
import { hash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { LlmRequest } from './llm-provider.js';
import { hashLlmRequest } from './request-hash.js';

/** How long entries live and how big an organization's cache may grow. */
export type CachePolicy = { ttlSeconds: number; maxEntries: number; maxEntryBytes: number };

/** Whose request it is, and the agent's own opt-in (frontmatter `cache.ttlSeconds`). */
export type CacheScope = { orgId: string; agentTtlSeconds?: number | undefined };

/** An organization's settings (organizations.llm_cache_*); `ttlSeconds` null means off. */
export type OrgCacheSettings = { ttlSeconds: number | null; maxEntries: number; maxEntryBytes: number };

/** A stored answer: what the provider said, what it consumed, and when. */
export const CachedResponse = z.object({
  provider: z.string().min(1),
  model: z.string().min(1),
  response: LlmResponded.shape.data.shape.response,
  usage: LlmResponded.shape.data.shape.usage,
  storedAt: z.iso.datetime(),
});
export type CachedResponse = z.infer<typeof CachedResponse>;

export type ResponseCache = {
  /** The policy for this request, or null when neither the organization nor the agent turned the cache on. */
  policyFor(scope: CacheScope): Promise<CachePolicy | null>;
  get(orgId: string, key: string): Promise<CachedResponse | null>;
  /** Stores unless the entry is larger than the policy allows; evicts the oldest past `maxEntries`. */
  put(input: { orgId: string; key: string; entry: CachedResponse; policy: CachePolicy }): Promise<'stored' | 'too_large'>;
};

/**
 * The entry's key: SHA-256 of (organization, provider, request hash), and the request hash covers model,
 * parameters, messages and tools (request-hash.ts). The organization is part of the key *and* of the Redis key
 * prefix, so two organizations never share an answer even for byte-identical requests.
 */
export const responseCacheKey = (input: { orgId: string; provider: string; request: LlmRequest }): string =>
  hash('sha256', `${input.orgId}\n${input.provider}\n${hashLlmRequest(input.request)}`, 'hex');

/** Defaults for an agent that opts in when its organization set nothing (migration 0012's column defaults). */
export const DEFAULT_BOUNDS = { maxEntries: 1000, maxEntryBytes: 256 * 1024 } as const;

// One organization's keys share a hash tag ({org}), so the script below touches one cluster slot.
const indexKey = (prefix: string, orgId: string): string => `${prefix}:{${orgId}}:index`;
const entryPrefix = (prefix: string, orgId: string): string => `${prefix}:{${orgId}}:entry:`;

// Atomic store-and-bound: the index is a sorted set scored by expiry; expired members leave it first, then the
// entries nearest to expiry (the oldest, at one TTL) are evicted until at most maxEntries remain.
const PUT_SCRIPT = `
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[1], tonumber(ARGV[4]) + tonumber(ARGV[3]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[5])
if over > 0 then
  local victims = redis.call('ZRANGE', KEYS[1], 0, over - 1)
  for _, member in ipairs(victims) do
    redis.call('ZREM', KEYS[1], member)
    redis.call('DEL', ARGV[6] .. member)
  end
end
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
`;

export type ResponseCacheDeps = {
  redis: Redis;
  /** Redis key prefix; tests use their own. */
  prefix?: string;
  /** The organization's settings (a database read, cached by the caller or not); null = unknown organization. */
  orgSettings: (orgId: string) => Promise<OrgCacheSettings | null>;
  clock?: () => number;
};

/** The organization's policy, overridden by the agent's opt-in TTL; null when both are off. */
export const policyOf = (org: OrgCacheSettings | null, agentTtlSeconds: number | undefined): CachePolicy | null => {
  const ttlSeconds = agentTtlSeconds ?? org?.ttlSeconds ?? null;
  if (ttlSeconds === null) return null;
  return { ttlSeconds, maxEntries: org?.maxEntries ?? DEFAULT_BOUNDS.maxEntries, maxEntryBytes: org?.maxEntryBytes ?? DEFAULT_BOUNDS.maxEntryBytes };
};

/** The model response cache over Redis (docs/agents.md, "Model response cache"). */
export const createResponseCache = (deps: ResponseCacheDeps): ResponseCache => {
  const prefix = deps.prefix ?? 'shaman:llm-cache';
  const clock = deps.clock ?? Date.now;
  return {
    policyFor: async (scope) => policyOf(await deps.orgSettings(scope.orgId), scope.agentTtlSeconds),
    get: async (orgId, key) => {
      const raw = await deps.redis.get(`${entryPrefix(prefix, orgId)}${key}`);
      if (raw === null) return null;
      // An entry written by another version, or damaged, is a miss (and is overwritten by the next answer).
      const parsed = CachedResponse.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : null;
    },
    put: async ({ orgId, key, entry, policy }) => {
      const value = JSON.stringify(entry);
      if (Buffer.byteLength(value) > policy.maxEntryBytes) return 'too_large';
      const entries = entryPrefix(prefix, orgId);
      await deps.redis.eval(PUT_SCRIPT, 2, indexKey(prefix, orgId), `${entries}${key}`, key, value, policy.ttlSeconds * 1000, clock(), policy.maxEntries, entries);
      return 'stored';
    },
  };
};
