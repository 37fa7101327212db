import { jetstreamManager } from '@nats-io/jetstream';
import { createJetStreamEventStore } from '@shaman/event-store';
import { ensureJetStream } from '@shaman/nats-infra';
import { createLogger, createPool, connectNats, traceAppends } from '@shaman/platform';
import { loadGatewayConfig, type GatewayConfig } from './config.js';
import { edgeFromConfig } from './edge/index.js';
import { pushFromConfig, startPushFromConfig } from './push/index.js';
import { createRunWatcher } from './run-watcher.js';
import { internalRoleFromConfig, createInternalGatewayServer } from './internal/index.js';
import { createGatewayServer, createGatewayShared } from './server.js';
import { gatewayObservability } from './metrics/observability.js';

export { createGatewayServer, createGatewayShared, type GatewayDeps, type GatewayShared } from './server.js';
export { createInternalGatewayServer, type InternalRoleOptions } from './internal/index.js';
export { createRunWatcher } from './run-watcher.js';
export { loadGatewayConfig, type GatewayConfig } from './config.js';

/** Starts a gateway with its own pool and NATS connection; resolves once it listens. */
export const startGateway = async (config: GatewayConfig = loadGatewayConfig()): Promise<{ url: string; internalUrl: string | undefined; stop(): Promise<void> }> => {
  const logger = createLogger({ name: 'a2a-gateway', level: config.LOG_LEVEL });
  const pool = createPool(config.DATABASE_URL, { applicationName: 'a2a-gateway', max: 20 });
  const nc = await connectNats(config.NATS_URL, 'a2a-gateway');
  const layout = { stream: config.NATS_STREAM, subjectPrefix: config.NATS_SUBJECT_PREFIX, replicas: config.NATS_STREAM_REPLICAS };
  await ensureJetStream(await jetstreamManager(nc), layout);
  // Appends are spans and carry their traceparent to the executor and projector (libs/platform tracing).
  const store = traceAppends(await createJetStreamEventStore({ nc, ...layout }));
  const observability = gatewayObservability(config, { nc, pool, stream: layout.stream, logger });
  const watcher = await createRunWatcher(nc, store, logger);
  let url = config.GATEWAY_PUBLIC_URL ?? '';
  const edge = edgeFromConfig(config, logger);
  const push = pushFromConfig(config);
  const deps = { pool, store, watcher, logger, publicUrl: () => url, blockingTimeoutMs: config.GATEWAY_BLOCKING_TIMEOUT_MS, bodyLimit: config.GATEWAY_BODY_LIMIT_BYTES, apiKeyCacheMs: config.GATEWAY_API_KEY_CACHE_MS, edge: edge.options, push, nc, readiness: observability.readiness };
  const shared = createGatewayShared(deps);
  const app = createGatewayServer(deps, shared);
  observability.instrument(app);
  // The internal role (src/internal): a second listener for agents calling agents, when configured.
  const internal = await internalRoleFromConfig(config);
  const internalApp = internal ? createInternalGatewayServer(deps, internal.options, shared) : null;
  if (internalApp) observability.instrument(internalApp, { serve: false });
  const pushRuntime = await startPushFromConfig(config, { push, pool, nc, store, logger });
  const address = await app.listen({ host: config.GATEWAY_HOST, port: config.GATEWAY_PORT });
  url ||= address.replace('[::1]', 'localhost');
  const internalUrl = internalApp ? (await internalApp.listen({ host: config.GATEWAY_INTERNAL_HOST, port: config.GATEWAY_INTERNAL_PORT })).replace('[::1]', 'localhost') : undefined;
  logger.info({ url, internalUrl }, 'a2a gateway listening');
  return {
    url,
    internalUrl,
    stop: async () => {
      await app.close();
      await internalApp?.close();
      await internal?.close();
      await pushRuntime?.stop();
      await edge.close();
      await observability.close();
      await watcher.close();
      await nc.drain();
      await pool.end();
    },
  };
};
