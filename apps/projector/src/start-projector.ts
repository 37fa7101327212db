import { jetstreamManager } from '@nats-io/jetstream';
import { ensureJetStream, type NatsLayout } from '@shaman/nats-infra';
import { createAppMetrics, createLogger, createPool, natsCheck, connectNats, postgresCheck, startHealthServer, type AppMetrics, type Logger } from '@shaman/platform';
import type { ProjectorConfig } from './config.js';
import { batchObserver } from './metrics/batch-observer.js';
import { projectionBacklogGauge } from './metrics/stream-backlog.js';
import { createProjector } from './projector.js';

export type RunningProjector = { stop(): Promise<void> };

/**
 * Builds the projector's infrastructure from its config and starts it: what `main.ts` runs, and what the
 * CLI's dev command calls to run every app in one process. `stop` drains in dependency order. With
 * HEALTH_PORT set, `/healthz`, `/readyz` (NATS, PostgreSQL, consumer open) and `/metrics` are served there.
 */
export const startProjector = async (config: ProjectorConfig, options: { logger?: Logger; metrics?: AppMetrics } = {}): Promise<RunningProjector> => {
  const logger = options.logger ?? createLogger({ name: 'projector', level: config.LOG_LEVEL });
  const metrics = options.metrics ?? createAppMetrics('projector');
  const layout: NatsLayout = { stream: config.NATS_STREAM, subjectPrefix: config.NATS_SUBJECT_PREFIX, replicas: config.NATS_STREAM_REPLICAS };
  const nc = await connectNats(config.NATS_URL, 'shaman-projector');
  const pool = createPool(config.DATABASE_URL, { applicationName: 'shaman-projector', max: 4, synchronousCommit: false, pipeline: true });
  const close = async (): Promise<void> => {
    await nc.drain();
    await pool.end();
  };
  try {
    const jsm = await jetstreamManager(nc);
    await ensureJetStream(jsm, layout);
    const aroundBatch = batchObserver(metrics.registry, { logger });
    const projector = createProjector({ pool, nc, layout, logger, batchMax: config.PROJECTOR_BATCH_MAX, batchWaitMs: config.PROJECTOR_BATCH_WAIT_MS, aroundBatch });
    await projector.start();
    projectionBacklogGauge(metrics, { jsm, stream: layout.stream, position: projector.position });
    const checks = { nats: natsCheck(nc), postgres: postgresCheck(pool) };
    const health = config.HEALTH_PORT > 0 ? await startHealthServer({ port: config.HEALTH_PORT, checks, ready: projector.ready, metrics }) : null;
    logger.info({ stream: layout.stream, healthPort: health?.port }, 'projector started');
    return {
      stop: async () => {
        await health?.close();
        await projector.stop();
        await close();
        logger.info('projector stopped');
      },
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
};
