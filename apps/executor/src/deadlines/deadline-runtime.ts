import type { JetStreamEventStore } from '@shaman/event-store';
import type { Logger } from '@shaman/platform';
import { Redis } from 'ioredis';
import { startDeadlineQueue, type DeadlineScheduler } from './deadline-queue.js';

/** What an executor needs to have deadlines: Redis (BullMQ) and the default timeouts (0 = none). */
export type DeadlineOptions = { redisUrl: string; prefix: string; stepTimeoutMs: number; runTimeoutMs: number };

/** The deadline queue over its own two Redis connections (commands, and the worker's blocking ones). */
export const startDeadlines = (options: DeadlineOptions & { store: JetStreamEventStore; clock: () => Date; logger: Logger }): DeadlineScheduler => {
  const { logger } = options;
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: 3 });
  const workerConnection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  for (const c of [connection, workerConnection]) c.on('error', (err: Error) => logger.warn({ err }, 'deadlines: redis error'));
  const queue = startDeadlineQueue({ ...options, connection, workerConnection });
  logger.info({ stepTimeoutMs: options.stepTimeoutMs, runTimeoutMs: options.runTimeoutMs }, 'deadlines armed on claim');
  return {
    arm: queue.arm,
    close: async () => {
      await queue.close().catch((err: unknown) => logger.warn({ err }, 'deadlines: close failed'));
      await Promise.all([connection.quit(), workerConnection.quit()]).catch(() => undefined);
    },
  };
};
