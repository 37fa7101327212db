import { createRepositorySyncQueue, type RepositorySyncQueue } from '@shaman/platform';
import { Redis } from 'ioredis';
import type { CliConfig } from '../config.js';

/**
 * Runs `fn` on the repository sync queue and closes it. A short-lived command must not wait for Redis forever:
 * no reconnect, one try per command, so an unreachable Redis fails the command at once with a clear reason.
 */
export const withSyncQueue = async <T>(config: CliConfig, fn: (queue: RepositorySyncQueue) => Promise<T>): Promise<T> => {
  const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 3000, retryStrategy: () => null });
  connection.on('error', () => undefined); // reported through the rejected command below
  const queue = createRepositorySyncQueue({ connection, prefix: config.BULLMQ_PREFIX });
  try {
    return await fn(queue);
  } finally {
    await queue.close().catch(() => undefined);
    connection.disconnect();
  }
};
