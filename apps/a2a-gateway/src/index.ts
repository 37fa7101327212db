import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { createJetStreamEventStore } from '@shaman/event-store';
import { ensureJetStream } from '@shaman/nats-infra';
import { createLogger, createPool, natsServers } from '@shaman/platform';
import { loadGatewayConfig, type GatewayConfig } from './config.js';
import { edgeFromConfig } from './edge/index.js';
import { pushFromConfig, startPushFromConfig } from './push/index.js';
import { createRunWatcher } from './run-watcher.js';
import { createGatewayServer } from './server.js';

export { createGatewayServer, type GatewayDeps } from './server.js';
export { createRunWatcher } from './run-watcher.js';
export { loadGatewayConfig, type GatewayConfig } from './config.js';

/** Starts a gateway with its own pool and NATS connection; resolves once it listens. */
export const startGateway = async (config: GatewayConfig = loadGatewayConfig()): Promise<{ url: string; stop(): Promise<void> }> => {
  const logger = createLogger({ name: 'a2a-gateway', level: config.LOG_LEVEL });
  const pool = createPool(config.DATABASE_URL, { applicationName: 'a2a-gateway', max: 20 });
  const nc = await connect({ servers: natsServers(config.NATS_URL), name: 'a2a-gateway' });
  const layout = { stream: config.NATS_STREAM, subjectPrefix: config.NATS_SUBJECT_PREFIX, replicas: config.NATS_STREAM_REPLICAS };
  await ensureJetStream(await jetstreamManager(nc), layout);
  const store = await createJetStreamEventStore({ nc, ...layout });
  const watcher = createRunWatcher(nc, store);
  let url = config.GATEWAY_PUBLIC_URL ?? '';
  const edge = edgeFromConfig(config, logger);
  const push = pushFromConfig(config);
  const app = createGatewayServer({ pool, store, watcher, logger, publicUrl: () => url, blockingTimeoutMs: config.GATEWAY_BLOCKING_TIMEOUT_MS, bodyLimit: config.GATEWAY_BODY_LIMIT_BYTES, apiKeyCacheMs: config.GATEWAY_API_KEY_CACHE_MS, edge: edge.options, push, nc });
  const pushRuntime = await startPushFromConfig(config, { push, pool, nc, store, logger });
  const address = await app.listen({ host: config.GATEWAY_HOST, port: config.GATEWAY_PORT });
  url ||= address.replace('[::1]', 'localhost');
  logger.info({ url }, 'a2a gateway listening');
  return {
    url,
    stop: async () => {
      await app.close();
      await pushRuntime?.stop();
      await edge.close();
      watcher.close();
      await nc.drain();
      await pool.end();
    },
  };
};
