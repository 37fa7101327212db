import type { Redis } from 'ioredis';

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
 * Requests per API key per minute, as a fixed window counted in Redis (one INCR per request, shared by every
 * gateway). Fixed rather than sliding: one key and one round trip, and a burst at a window edge can at most
 * double the rate for an instant, which a per-minute quota tolerates. The counter expires with its window.
 */
export const createRateLimiter = (redis: Redis, options: { limitPerMinute: number; prefix: string }): RateLimiter => async (keyId, now) => {
  const window = Math.floor(now.getTime() / WINDOW_MS);
  const key = `${options.prefix}:ratelimit:${keyId}:${window}`;
  const result = await redis.multi().incr(key).pexpire(key, WINDOW_MS * 2).exec();
  const count = Number(result?.[0]?.[1] ?? 0);
  const limit = options.limitPerMinute;
  return {
    allowed: count <= limit,
    limit,
    remaining: Math.max(0, limit - count),
    resetSeconds: Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now.getTime()) / 1000)),
  };
};
