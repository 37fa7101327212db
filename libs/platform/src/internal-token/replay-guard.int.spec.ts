import { createTestRedis, type TestRedis } from '@shaman/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisJtiGuard } from './replay-guard.js';

describe('Redis jti replay guard (real Redis)', () => {
  let redis: TestRedis;
  beforeAll(() => {
    redis = createTestRedis();
  });
  afterAll(async () => redis.cleanup());

  it('accepts a jti once, across guards sharing the prefix, and forgets it when the token expires', async () => {
    const prefix = `${redis.prefix}:jti:`;
    const [a, b] = [createRedisJtiGuard(redis.connection, prefix), createRedisJtiGuard(redis.connection, prefix)];
    const expiresAt = new Date(Date.now() + 60_000);
    expect(await a.claim('one', expiresAt)).toBe(true);
    expect(await b.claim('one', expiresAt)).toBe(false);
    expect(await a.claim('two', expiresAt)).toBe(true);
    const ttl = await redis.connection.pttl(`${prefix}one`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});
