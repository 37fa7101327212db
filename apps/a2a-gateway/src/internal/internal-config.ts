import { createInternalTokenVerifier, createRedisJtiGuard, InternalKeyConfigError, parseInternalVerificationKeys, publishedJwks } from '@shaman/platform';
import { Redis } from 'ioredis';
import type { GatewayConfig } from '../config.js';
import type { InternalRoleOptions } from './internal-server.js';

/**
 * The internal role as configured, or null when GATEWAY_INTERNAL_PORT is unset. Its replay guard lives in the
 * shared Redis, so a token spent at one gateway process is refused at every other.
 */
export const internalRoleFromConfig = async (config: GatewayConfig): Promise<{ options: InternalRoleOptions; close(): Promise<void> } | null> => {
  if (config.GATEWAY_INTERNAL_PORT === undefined) return null;
  const keys = await parseInternalVerificationKeys({ jwks: config.SHAMAN_INTERNAL_JWKS, secret: config.SHAMAN_INTERNAL_JWT_SECRET }).catch((error: unknown) => {
    throw error instanceof InternalKeyConfigError ? new Error(`Invalid configuration:\n  ${error.message}`, { cause: error }) : error;
  });
  // config.ts already refuses a port without keys; this keeps the types honest.
  if (!keys) throw new Error('Invalid configuration:\n  GATEWAY_INTERNAL_PORT: the internal role needs verification keys');
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
  const verifier = createInternalTokenVerifier({
    issuer: config.SHAMAN_INTERNAL_JWT_ISSUER,
    audience: config.SHAMAN_INTERNAL_JWT_AUDIENCE,
    keys,
    replay: createRedisJtiGuard(redis, `${config.BULLMQ_PREFIX}:internal-jti:`),
  });
  return {
    options: { verifier, jwks: publishedJwks(keys), maxCallDepth: config.GATEWAY_MAX_CALL_DEPTH },
    close: async () => void (await redis.quit().catch(() => undefined)),
  };
};
