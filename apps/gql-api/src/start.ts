import { createLogger, createPool } from '@shaman/platform';
import type { Config } from './config.js';
import { startRepositorySync } from './repositories/sync.runtime.js';
import { createGqlServer } from './server.js';

export type RunningGqlApi = { url: string; stop: () => Promise<void> };

/**
 * Builds the pool, logger and repository sync (queue, and the worker unless REPO_SYNC_WORKER=false), and
 * listens; `url` is the actual base URL (port 0 picks a free port).
 */
export const startGqlApi = async (config: Config): Promise<RunningGqlApi> => {
  const logger = createLogger({ name: 'gql-api', level: config.LOG_LEVEL });
  const pool = createPool(config.DATABASE_URL, { applicationName: 'shaman-gql-api' });
  const sync = startRepositorySync(config, { pool, logger });
  const release = async (): Promise<void> => {
    await sync.close();
    await pool.end();
  };
  try {
    const server = await createGqlServer({ pool, logger, maxDepth: config.GQL_MAX_DEPTH, webhooks: { queue: sync.queue, secretBox: sync.secretBox } });
    const stop = async (): Promise<void> => {
      // Webhooks stop first (nothing new is queued), then the worker drains, then the database goes.
      await server.close();
      await release();
      logger.info('gql-api stopped');
    };
    const url = await server.app.listen({ host: config.GQL_HOST, port: config.GQL_PORT }).catch(async (error: unknown) => {
      await server.close();
      throw error;
    });
    logger.info({ url, repoSyncWorker: config.REPO_SYNC_WORKER }, 'gql-api listening');
    return { url, stop };
  } catch (error) {
    await release();
    throw error;
  }
};
