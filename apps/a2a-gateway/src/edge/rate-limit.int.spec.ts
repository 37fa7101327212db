import { createTestRedis, TEST_REDIS_URL, type TestRedis } from '@shaman/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter, RATE_LIMIT_REDIS_OPTIONS } from './rate-limit.js';

describe('rate limiter over its pipelined connection (real Redis)', () => {
  let test: TestRedis;
  let redis: Redis;
  beforeAll(async () => {
    test = createTestRedis();
    redis = new Redis(TEST_REDIS_URL, RATE_LIMIT_REDIS_OPTIONS);
    // Without an offline queue, a count sent before the connection is up fails (the gateway then fails open).
    await new Promise((resolve) => redis.once('ready', resolve));
  });
  afterAll(async () => {
    await redis.quit();
    await test.cleanup();
  });

  it('counts every request of one turn exactly once, though they travel as one pipeline', async () => {
    const limit = 30;
    const limiter = createRateLimiter(redis, { limitPerMinute: limit, prefix: test.prefix });
    const now = new Date();
    const decisions = await Promise.all(Array.from({ length: 40 }, () => limiter('key-a', now)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(limit);
    expect(decisions.filter((d) => d.allowed).map((d) => d.remaining).sort((x, y) => x - y)).toEqual([...Array(limit).keys()]);
    // Another key's counts, in the same pipeline as the first key's next ones, do not mix with them.
    const [a, b] = await Promise.all([limiter('key-a', now), limiter('key-b', now)]);
    expect(a.allowed).toBe(false);
    expect(b).toMatchObject({ allowed: true, remaining: limit - 1 });
    const counters = await test.connection.keys(`${test.prefix}:ratelimit:*`);
    expect(counters).toHaveLength(2);
    expect(Number(await test.connection.get(counters.find((k) => k.includes(':key-a:'))!))).toBe(41);
  });
});
