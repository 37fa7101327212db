import { jetstreamManager } from '@nats-io/jetstream';
import { createJetStreamEventStore } from '@shaman/event-store';
import { ensureJetStream } from '@shaman/nats-infra';
import { createLogger, createPool, connectNats, traceAppends } from '@shaman/platform';
import { createOidcVerifier } from './auth/oidc.js';
import { loadAllowlist } from './http/allowlist.hook.js';
import { oidcConfigOf, type Config } from './config.js';
import { startRegistryHealthRuntime } from './registries/registry-health.runtime.js';
import { startRepositorySync } from './repositories/sync.runtime.js';
import { startRetentionRuntime } from './retention/retention.runtime.js';
import { createGqlServer } from './server.js';
import { gqlObservability } from './metrics/observability.js';

export type RunningGqlApi = { url: string; stop: () => Promise<void> };

/**
 * Builds the pool, NATS connection, logger and repository sync (queue, and the worker unless
 * REPO_SYNC_WORKER=false), and listens; `url` is the actual base URL (port 0 picks a free port).
 */
export const startGqlApi = async (config: Config): Promise<RunningGqlApi> => {
  const logger = createLogger({ name: 'gql-api', level: config.LOG_LEVEL });
  const pool = createPool(config.DATABASE_URL, { applicationName: 'shaman-gql-api' });
  const nc = await connectNats(config.NATS_URL, 'gql-api').catch(async (error: unknown) => {
    await pool.end();
    throw error;
  });
  const releaseBus = async (): Promise<void> => {
    await nc.drain();
    await pool.end();
  };
  let sync: Awaited<ReturnType<typeof startRepositorySync>>;
  let store: Awaited<ReturnType<typeof createJetStreamEventStore>>;
  let registryHealth: { close(): Promise<void> } | null = null;
  let retention: { close(): Promise<void> } | null = null;
  try {
    const layout = { stream: config.NATS_STREAM, subjectPrefix: config.NATS_SUBJECT_PREFIX, replicas: config.NATS_STREAM_REPLICAS };
    await ensureJetStream(await jetstreamManager(nc), layout);
    // Commands appended from GraphQL (cancel, input) are spans and carry their traceparent (libs/platform tracing).
    store = traceAppends(await createJetStreamEventStore({ nc, ...layout }));
    sync = await startRepositorySync(config, { pool, logger, store });
    // Registry health rounds (BullMQ) run where the repository syncs run.
    const started = sync;
    registryHealth = config.REPO_SYNC_WORKER
      ? await startRegistryHealthRuntime(config, { pool, logger, secretBox: sync.secretBox, store }).catch(async (error: unknown) => {
          await started.close();
          throw error;
        })
      : null;
    // Scheduled retention (off unless RETENTION_EXPORT_DIR and RETENTION_DATABASE_URL are set).
    retention = await startRetentionRuntime(config, { store, logger }).catch(async (error: unknown) => {
      await registryHealth?.close();
      await started.close();
      throw error;
    });
  } catch (error) {
    await releaseBus();
    throw error;
  }
  const observability = gqlObservability(config, { nc, pool, logger });
  const release = async (): Promise<void> => {
    await observability.close();
    await retention?.close();
    await registryHealth?.close();
    await sync.close();
    await releaseBus();
  };
  try {
    const oidc = oidcConfigOf(config);
    const server = await createGqlServer({
      pool,
      logger,
      maxDepth: config.GQL_MAX_DEPTH,
      maxComplexity: config.GQL_MAX_COMPLEXITY,
      introspection: config.GQL_INTROSPECTION,
      allowlist: config.GQL_ALLOWLIST_FILE ? await loadAllowlist(config.GQL_ALLOWLIST_FILE) : undefined,
      webhooks: { queue: sync.queue, secretBox: sync.secretBox },
      repositories: { queue: sync.queue, secretBox: sync.secretBox, allowLocalUrls: config.REPO_ALLOW_LOCAL_URLS },
      store,
      oidc: oidc ? createOidcVerifier(oidc) : undefined,
      readiness: observability.readiness,
    });
    observability.instrument(server.app);
    const stop = async (): Promise<void> => {
      // Webhooks stop first (nothing new is queued), then the worker drains, then NATS and the database go.
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
