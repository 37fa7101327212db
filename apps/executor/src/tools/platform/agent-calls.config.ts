import { createInternalTokenIssuer, parseInternalSigningKey, type Logger } from '@shaman/platform';
import type { ExecutorConfig } from '../../config.js';
import type { InternalGateway } from './internal-gateway.client.js';

/**
 * The internal gateway `call_agent` sends to, with its token signer, from configuration; null (and a log line
 * saying why) when agents cannot call platform agents from this executor.
 */
export const internalGatewayFromConfig = async (config: ExecutorConfig, logger: Logger): Promise<InternalGateway | null> => {
  if (!config.EXECUTOR_INTERNAL_GATEWAY_URL) {
    logger.info('no EXECUTOR_INTERNAL_GATEWAY_URL: call_agent reaches external agents only');
    return null;
  }
  const key = await parseInternalSigningKey({ privateJwk: config.SHAMAN_INTERNAL_JWT_PRIVATE_KEY, secret: config.SHAMAN_INTERNAL_JWT_SECRET });
  if (!key) throw new Error('EXECUTOR_INTERNAL_GATEWAY_URL needs SHAMAN_INTERNAL_JWT_PRIVATE_KEY (or the HS256 fallback SHAMAN_INTERNAL_JWT_SECRET) to sign its calls');
  const tokens = createInternalTokenIssuer({ issuer: config.SHAMAN_INTERNAL_JWT_ISSUER, audience: config.SHAMAN_INTERNAL_JWT_AUDIENCE, key });
  return { url: config.EXECUTOR_INTERNAL_GATEWAY_URL, tokens, timeoutMs: Math.min(config.CALL_AGENT_TIMEOUT_MS, 30_000) };
};
