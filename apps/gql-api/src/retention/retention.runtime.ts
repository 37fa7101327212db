import type { JetStreamEventStore } from '@shaman/event-store';
import { createPool, type Logger } from '@shaman/platform';
import { Redis } from 'ioredis';
import { startRetentionJob } from './retention.job.js';

export type RetentionConfig = {
  REDIS_URL: string;
  BULLMQ_PREFIX: string;
  RETENTION_INTERVAL_MS: number;
  RETENTION_EXPORT_DIR?: string | undefined;
  RETENTION_DATABASE_URL?: string | undefined;
};

/**
 * Starts scheduled retention when it is configured: an export directory (nothing is deleted without an export)
 * and an administrative database URL (the app role may not delete run rows). Either missing: off, and the
 * process says so once. `close()` stops the worker, then its connections.
 */
export const startRetentionRuntime = async (config: RetentionConfig, deps: { store: JetStreamEventStore; logger: Logger }): Promise<{ close(): Promise<void> } | null> => {
  if (!config.RETENTION_EXPORT_DIR || !config.RETENTION_DATABASE_URL) {
    deps.logger.info({ exportDir: config.RETENTION_EXPORT_DIR ?? null, database: Boolean(config.RETENTION_DATABASE_URL) }, 'scheduled retention is off (it needs RETENTION_EXPORT_DIR and RETENTION_DATABASE_URL)');
    return null;
  }
  const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  connection.on('error', (error: Error) => deps.logger.warn({ err: error }, 'retention: redis error'));
  const retentionPool = createPool(config.RETENTION_DATABASE_URL, { applicationName: 'shaman-gql-api-retention' });
  try {
    const job = await startRetentionJob({
      ...deps,
      retentionPool,
      exportDir: config.RETENTION_EXPORT_DIR,
      clock: () => new Date(),
      connection,
      prefix: config.BULLMQ_PREFIX,
      intervalMs: config.RETENTION_INTERVAL_MS,
    });
    deps.logger.info({ intervalMs: config.RETENTION_INTERVAL_MS, exportDir: config.RETENTION_EXPORT_DIR }, 'scheduled retention on');
    return {
      close: async () => {
        await job.close();
        await connection.quit();
        await retentionPool.end();
      },
    };
  } catch (error) {
    connection.disconnect();
    await retentionPool.end();
    throw error;
  }
};
