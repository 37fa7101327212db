import type { Logger } from '@shaman/platform';
import { Redis } from 'ioredis';
import type { GatewayConfig } from '../config.js';
import type { EdgeOptions } from './edge-guards.js';
import { RATE_LIMIT_REDIS_OPTIONS } from './rate-limit.js';

/** The edge's options from configuration, with its own Redis connection for the rate-limit counters. */
export const edgeFromConfig = (config: GatewayConfig, logger: Logger): { options: EdgeOptions; close(): Promise<void> } => {
  if (config.GATEWAY_RATE_LIMIT_PER_MINUTE === 0) return { options: { baseDomain: config.GATEWAY_BASE_DOMAIN }, close: async () => undefined };
  const redis = new Redis(config.REDIS_URL, RATE_LIMIT_REDIS_OPTIONS);
  redis.on('error', (err: Error) => logger.warn({ err }, 'rate limits: redis error'));
  return {
    options: { redis, rateLimitPerMinute: config.GATEWAY_RATE_LIMIT_PER_MINUTE, redisPrefix: config.BULLMQ_PREFIX, baseDomain: config.GATEWAY_BASE_DOMAIN },
    close: async () => void (await redis.quit().catch(() => undefined)),
  };
};
