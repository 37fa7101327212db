import { createPool, type Logger } from '@shaman/platform';
import { Redis } from 'ioredis';
import { createResponseCache, type ResponseCache } from './response-cache.js';
import { createOrgCacheSettings } from './response-cache.settings.js';

/**
 * The model response cache of a running executor: its own Redis connection that fails fast (no offline queue,
 * one retry, a command timeout), because a cache that waits for Redis would slow every model call down; a
 * failed command is a miss. Without DATABASE_URL the organizations' settings are unknown, so only agents that opt in
 * (frontmatter `cache`) use it.
 */
export const startResponseCache = (options: { redisUrl: string; databaseUrl: string | undefined; logger: Logger }): { cache: ResponseCache; close(): Promise<void> } => {
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 1000 });
  let warned = false;
  redis.on('error', (error: Error) => {
    if (!warned) options.logger.warn({ err: error }, 'model response cache: redis unavailable (answers go to the providers meanwhile)');
    warned = true;
  });
  redis.on('ready', () => (warned = false));
  // Its own small pool: settings are read at most every few seconds per organization.
  const pool = options.databaseUrl ? createPool(options.databaseUrl, { applicationName: 'executor-llm-cache', max: 2 }) : null;
  const orgSettings = pool ? createOrgCacheSettings({ pool }) : async () => null;
  return {
    cache: createResponseCache({ redis, orgSettings }),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
      await pool?.end();
    },
  };
};
