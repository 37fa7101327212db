import type { NatsConnection } from '@nats-io/transport-node';
import { REPOSITORY_SYNC_QUEUE, createAppMetrics, createRedisProbe, natsCheck, softCheck, postgresCheck, queueDepthGauge, registerHttpMetrics, registerRequestScope, type Logger, type Pool, type ReadinessCheck } from '@shaman/platform';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

export type GqlObservability = {
  /** `/readyz`: PostgreSQL (every read) and NATS (commands, subscriptions); Redis (repository syncs) degrades it only. */
  readiness: Record<string, ReadinessCheck>;
  /** Request spans and log context, HTTP metrics and `/metrics`. */
  instrument(app: FastifyInstance): void;
  close(): Promise<void>;
};

/**
 * The gql-api's metrics, readiness and request scope. The repository sync queue's depth is read through a
 * BullMQ handle of its own (same name and prefix as the sync queue's).
 */
export const gqlObservability = (config: Config, deps: { nc: NatsConnection; pool: Pool; logger: Logger }): GqlObservability => {
  const metrics = createAppMetrics('gql-api');
  const redis = createRedisProbe(config.REDIS_URL, deps.logger);
  const syncQueue = new Queue(REPOSITORY_SYNC_QUEUE, { connection: { url: config.REDIS_URL, enableOfflineQueue: false, maxRetriesPerRequest: 1 }, prefix: config.BULLMQ_PREFIX });
  syncQueue.on('error', (err) => deps.logger.debug({ err }, 'sync queue gauge: redis error'));
  queueDepthGauge(metrics.registry, [{ name: 'repository-sync', getJobCounts: (...states) => syncQueue.getJobCounts(...(states as Parameters<typeof syncQueue.getJobCounts>)) }]);
  return {
    readiness: { postgres: postgresCheck(deps.pool), nats: natsCheck(deps.nc), redis: softCheck(redis.check) },
    instrument: (app) => {
      registerRequestScope(app);
      registerHttpMetrics(app, metrics);
    },
    close: async () => {
      await syncQueue.close().catch(() => undefined);
      await redis.close();
    },
  };
};
