import type { NatsConnection } from '@nats-io/transport-node';
import { createAppMetrics, createRedisProbe, natsCheck, softCheck, postgresCheck, queueDepthGauge, registerHttpMetrics, registerRequestScope, type Logger, type Pool, type ReadinessCheck } from '@shaman/platform';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { GatewayConfig } from '../config.js';
import { pushDeliveryQueue } from '../push/delivery-queue.js';

export type GatewayObservability = {
  /** `/readyz`: PostgreSQL (keys, tenants, tasks) and NATS (the log); Redis (rate limits, push deliveries) degrades it only. */
  readiness: Record<string, ReadinessCheck>;
  /** Request spans and log context, HTTP metrics; `/metrics` on the public listener only (`serve`). */
  instrument(app: FastifyInstance, options?: { serve?: boolean }): void;
  close(): Promise<void>;
};

/**
 * The gateway's metrics, readiness and request scope. The push queue's depth is read through a BullMQ handle
 * of its own (same name and prefix as the sender's queue), so the push code needs no hook for it.
 */
export const gatewayObservability = (config: GatewayConfig, deps: { nc: NatsConnection; pool: Pool; stream: string; logger: Logger }): GatewayObservability => {
  const metrics = createAppMetrics('a2a-gateway');
  const redis = createRedisProbe(config.REDIS_URL, deps.logger);
  const pushQueue = new Queue(pushDeliveryQueue(deps.stream), { connection: { url: config.REDIS_URL, enableOfflineQueue: false, maxRetriesPerRequest: 1 }, prefix: config.BULLMQ_PREFIX });
  pushQueue.on('error', (err) => deps.logger.debug({ err }, 'push queue gauge: redis error'));
  queueDepthGauge(metrics.registry, [{ name: 'push-delivery', getJobCounts: (...states) => pushQueue.getJobCounts(...(states as Parameters<typeof pushQueue.getJobCounts>)) }]);
  return {
    readiness: { postgres: postgresCheck(deps.pool), nats: natsCheck(deps.nc), redis: softCheck(redis.check) },
    instrument: (app, options) => {
      registerRequestScope(app);
      registerHttpMetrics(app, metrics, options);
    },
    close: async () => {
      await pushQueue.close().catch(() => undefined);
      await redis.close();
    },
  };
};
