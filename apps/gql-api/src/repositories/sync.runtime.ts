import { createRepositoryCache } from '@shaman/agents';
import type { JetStreamEventStore } from '@shaman/event-store';
import { createRepositorySyncQueue, createSecretBox, listRepositorySchedules, type Logger, type Pool, type RepositorySyncQueue, type SecretBox } from '@shaman/platform';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { repositoryEventSink } from './repository-events.sink.js';
import { startRepositorySyncWorker } from './sync.worker.js';

export type RepositorySync = { queue: RepositorySyncQueue; secretBox: SecretBox | null; close(): Promise<void> };

/**
 * The repository sync queue (the webhook and GraphQL enqueue on it) and, unless REPO_SYNC_WORKER=false, its
 * worker, whose start reconciles the periodic schedules with the repositories table.
 * Two Redis connections: the worker's blocks (BullMQ needs `maxRetriesPerRequest: null` there), while the
 * queue's gives up on a command after a few retries, so a webhook answers 500 instead of hanging while
 * Redis is down. `close()` stops the worker first (waiting for syncs in flight), then the queue.
 */
export const startRepositorySync = async (config: Config, deps: { pool: Pool; logger: Logger; store: JetStreamEventStore }): Promise<RepositorySync> => {
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
    const events = repositoryEventSink(deps.store);
    const worktreeRetentionMs = config.REPO_WORKTREE_RETENTION_HOURS * 3_600_000;
    const onPruneError = (error: unknown): void => deps.logger.warn({ err: error }, 'old worktrees not removed; retried after the next sync');
    worker = startRepositorySyncWorker({ ...deps, events, worktreeRetentionMs, onPruneError, connection: workerConnection, prefix: config.BULLMQ_PREFIX, concurrency: config.REPO_SYNC_CONCURRENCY, cache, secretBox, clock: () => new Date() });
    // The table is the truth; Redis may have lost schedulers (flushed) or kept a deleted repository's.
    await queue
      .reconcile(await listRepositorySchedules(deps.pool))
      .then((r) => deps.logger.info(r, 'repository sync schedules reconciled'))
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'repository sync schedules not reconciled; retried at next start'));
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
