import type { JetStreamEventStore } from '@shaman/event-store';
import type { Logger, Pool, SecretBox } from '@shaman/platform';
import { Redis } from 'ioredis';
import { registryEvents } from './registry-events.sink.js';
import { startRegistryHealth } from './registry-health.worker.js';

/** Defaults of the scheduled registry health check (docs/agents.md, "Registries"). */
export const REGISTRY_HEALTH_DEFAULTS = { intervalMs: 60_000, timeoutMs: 5000, concurrency: 4 } as const;

/**
 * Starts the registry health check of a gql-api process on its own blocking Redis connection, with the
 * repositories' local-URL allowance (REPO_ALLOW_LOCAL_URLS) as its SSRF setting. `close()` stops the worker
 * (waiting for the round in flight), then the connection.
 */
export const startRegistryHealthRuntime = async (
  config: { REDIS_URL: string; BULLMQ_PREFIX: string; REPO_ALLOW_LOCAL_URLS: boolean },
  deps: { pool: Pool; logger: Logger; secretBox: SecretBox | null; store?: JetStreamEventStore | null; intervalMs?: number; timeoutMs?: number },
): Promise<{ close(): Promise<void> }> => {
  const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  connection.on('error', (error: Error) => deps.logger.warn({ err: error }, 'registry health: redis error'));
  try {
    const health = await startRegistryHealth({
      connection,
      prefix: config.BULLMQ_PREFIX,
      pool: deps.pool,
      logger: deps.logger,
      secretBox: deps.secretBox,
      // Health changes go to the registry's subject, so executors see them at once (docs/agents.md, "Registries").
      events: registryEvents({ store: deps.store ?? null, logger: deps.logger }),
      allowPrivateUrls: config.REPO_ALLOW_LOCAL_URLS,
      intervalMs: deps.intervalMs ?? REGISTRY_HEALTH_DEFAULTS.intervalMs,
      timeoutMs: deps.timeoutMs ?? REGISTRY_HEALTH_DEFAULTS.timeoutMs,
      concurrency: REGISTRY_HEALTH_DEFAULTS.concurrency,
    });
    return {
      close: async () => {
        await health.close();
        await connection.quit();
      },
    };
  } catch (error) {
    connection.disconnect();
    throw error;
  }
};
