import type { Redis, RedisOptions } from 'ioredis';

export type RateLimitDecision = {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (also the Retry-After of a refused request). */
  resetSeconds: number;
};

export type RateLimiter = (keyId: string, now: Date) => Promise<RateLimitDecision>;

const WINDOW_MS = 60_000;

/**
 * The rate limiter's own connection. No offline queue: while Redis is unreachable a count fails at once and the
 * request goes through (fail open) instead of waiting for a reconnect. Auto-pipelining sends the counts of one
 * event-loop turn as one write: every request makes one, and on loopback each write also costs Redis a
 * wake-up (docs/performance.md).
 */
export const RATE_LIMIT_REDIS_OPTIONS = { enableOfflineQueue: false, maxRetriesPerRequest: 1, enableAutoPipelining: true } as const satisfies RedisOptions;

/** INCR, and the expiry set by the request that created the counter: one command per request instead of a MULTI of four. */
const COUNT_SCRIPT = `local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n`;

/**
 * Requests per API key per minute, as a fixed window counted in Redis (one script call per request, shared by
 * every gateway). Fixed rather than sliding: one key and one round trip, and a burst at a window edge can at most
 * double the rate for an instant, which a per-minute quota tolerates. The counter expires with its window.
 */
export const createRateLimiter = (redis: Redis, options: { limitPerMinute: number; prefix: string }): RateLimiter => {
  // ioredis sends EVALSHA and falls back to EVAL once when the server does not know the script (a restarted Redis).
  const counter = redis as Redis & { shamanCountRequest?: (key: string, ttlMs: number) => Promise<number> };
  if (!counter.shamanCountRequest) redis.defineCommand('shamanCountRequest', { numberOfKeys: 1, lua: COUNT_SCRIPT });
  return async (keyId, now) => {
    const window = Math.floor(now.getTime() / WINDOW_MS);
    const key = `${options.prefix}:ratelimit:${keyId}:${window}`;
    const count = Number(await counter.shamanCountRequest!(key, WINDOW_MS * 2));
    const limit = options.limitPerMinute;
    return {
      allowed: count <= limit,
      limit,
      remaining: Math.max(0, limit - count),
      resetSeconds: Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now.getTime()) / 1000)),
    };
  };
};
