import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamEventStore } from '@shaman/event-store';
import { createSecretBox, type Logger, type Pool } from '@shaman/platform';
import type { GatewayConfig } from '../config.js';
import type { PushOptions } from './push-methods.js';
import { startPushRuntime, type PushRuntime } from './push-runtime.js';

/** The push methods' options from configuration. */
export const pushFromConfig = (config: GatewayConfig): PushOptions => ({
  secretBox: config.SHAMAN_SECRET_KEY ? createSecretBox(config.SHAMAN_SECRET_KEY) : null,
  allowPrivateNetworks: config.GATEWAY_PUSH_ALLOW_PRIVATE_NETWORKS,
});

/** Starts the dispatcher and sender in this gateway process unless GATEWAY_PUSH_WORKER=false. */
export const startPushFromConfig = async (
  config: GatewayConfig,
  deps: { push: PushOptions; pool: Pool; nc: NatsConnection; store: JetStreamEventStore; logger: Logger },
): Promise<PushRuntime | null> =>
  config.GATEWAY_PUSH_WORKER
    ? startPushRuntime({
        ...deps,
        secretBox: deps.push.secretBox,
        redisUrl: config.REDIS_URL,
        bullmqPrefix: config.BULLMQ_PREFIX,
        allowPrivateNetworks: config.GATEWAY_PUSH_ALLOW_PRIVATE_NETWORKS,
        maxAttempts: config.GATEWAY_PUSH_MAX_ATTEMPTS,
        backoffMs: config.GATEWAY_PUSH_BACKOFF_MS,
        timeoutMs: config.GATEWAY_PUSH_TIMEOUT_MS,
      })
    : null;
