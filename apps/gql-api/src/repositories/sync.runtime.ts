import { createRepositoryCache } from '@shaman/agents';
import { createRepositorySyncQueue, createSecretBox, type Logger, type Pool, type RepositorySyncQueue, type SecretBox } from '@shaman/platform';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { startRepositorySyncWorker } from './sync.worker.js';

export type RepositorySync = { queue: RepositorySyncQueue; secretBox: SecretBox | null; close(): Promise<void> };

/**
 * The repository sync queue (the webhook enqueues on it) and, unless REPO_SYNC_WORKER=false, its worker.
 * Two Redis connections: the worker's blocks (BullMQ needs `maxRetriesPerRequest: null` there), while the
 * queue's gives up on a command after a few retries, so a webhook answers 500 instead of hanging while
 * Redis is down. `close()` stops the worker first (waiting for syncs in flight), then the queue.
 */
export const startRepositorySync = (config: Config, deps: { pool: Pool; logger: Logger }): RepositorySync => {
  const secretBox = config.SHAMAN_SECRET_KEY ? createSecretBox(config.SHAMAN_SECRET_KEY) : null;
  const queueConnection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
  const onError = (error: Error): void => deps.logger.warn({ err: error }, 'repository sync queue: redis error');
  queueConnection.on('error', onError);
  const queue = createRepositorySyncQueue({ connection: queueConnection, prefix: config.BULLMQ_PREFIX, onError });
  let worker: Worker | null = null;
  let workerConnection: Redis | null = null;
  if (config.REPO_SYNC_WORKER) {
    workerConnection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
    const cache = createRepositoryCache({ dir: config.SHAMAN_REPO_CACHE });
    worker = startRepositorySyncWorker({ ...deps, connection: workerConnection, prefix: config.BULLMQ_PREFIX, concurrency: config.REPO_SYNC_CONCURRENCY, cache, secretBox, clock: () => new Date() });
  }
  return {
    queue,
    secretBox,
    close: async () => {
      await worker?.close();
      await queue.close();
      await Promise.all([queueConnection.quit(), workerConnection?.quit()]);
    },
  };
};
