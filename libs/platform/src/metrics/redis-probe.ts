import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { redisCheck, type ReadinessCheck } from '../health-server.js';
import type { Logger } from '../logger.js';

export type RedisProbe = { check: ReadinessCheck; redis: Redis; close(): Promise<void> };

/**
 * A Redis connection of its own for `/readyz` and queue-depth gauges. No offline queue: while Redis is down a
 * PING fails at once (the check says so) instead of waiting for a reconnect.
 */
export const createRedisProbe = (url: string, logger: Logger): RedisProbe => {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
  redis.on('error', (err: Error) => logger.debug({ err }, 'readiness probe: redis error'));
  const ping = redisCheck(redis);
  // A connection still being (re)established gets a moment to finish before the PING is judged.
  const check = async (): Promise<void> => {
    for (let i = 0; i < 20 && redis.status !== 'ready'; i++) await sleep(50);
    await ping();
  };
  return { check, redis, close: async () => void (await redis.quit().catch(() => redis.disconnect())) };
};
