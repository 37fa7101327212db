import { createLogger, createPool } from '@shaman/platform';
import type { Config } from './config.js';
import { createGqlServer } from './server.js';

export type RunningGqlApi = { url: string; stop: () => Promise<void> };

/** Builds the pool and logger, and listens; `url` is the actual base URL (port 0 picks a free port). */
export const startGqlApi = async (config: Config): Promise<RunningGqlApi> => {
  const logger = createLogger({ name: 'gql-api', level: config.LOG_LEVEL });
  const pool = createPool(config.DATABASE_URL, { applicationName: 'shaman-gql-api' });
  try {
    const server = await createGqlServer({ pool, logger, maxDepth: config.GQL_MAX_DEPTH });
    const stop = async (): Promise<void> => {
      await server.close();
      await pool.end();
      logger.info('gql-api stopped');
    };
    const url = await server.app.listen({ host: config.GQL_HOST, port: config.GQL_PORT }).catch(async (error: unknown) => {
      await server.close();
      throw error;
    });
    logger.info({ url }, 'gql-api listening');
    return { url, stop };
  } catch (error) {
    await pool.end();
    throw error;
  }
};
