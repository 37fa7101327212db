import { connect } from '@nats-io/transport-node';
import type { JetStreamEventStore } from '@shaman/event-store';
import { createLogger, createPool, createSecretBox, natsServers, startHealthServer, type Pool } from '@shaman/platform';
import { loadExecutorConfig, type ExecutorConfig } from './config.js';
import { combineToolSources } from './activities/call-tool.activity.js';
import { providersFromConfig, startExecutorOn } from './executor.js';
import { createMcpClientPool } from './tools/mcp-client-pool.js';
import { createOrgSecrets } from './tools/org-secrets.js';
import { createRunDataReader } from './tools/platform/run-data.reader.js';
import { runDataToolSource } from './tools/platform/run-data.tools.js';
import { callAgentToolSource } from './tools/platform/call-agent.tool.js';

export { startExecutorOn, defaultProviders, providersFromConfig, type Executor, type ExecutorDeps } from './executor.js';
export { loadExecutorConfig, type ExecutorConfig } from './config.js';

/** Starts an executor with its own NATS connection (and health endpoints when HEALTH_PORT is set); `stop` drains it. */
export const startExecutor = async (config: ExecutorConfig = loadExecutorConfig()): Promise<{ stop(): Promise<void> }> => {
  const logger = createLogger({ name: 'executor', level: config.LOG_LEVEL });
  const nc = await connect({ servers: natsServers(config.NATS_URL), name: `executor-${config.EXECUTOR_ID}` });
  const layout = { stream: config.NATS_STREAM, subjectPrefix: config.NATS_SUBJECT_PREFIX, replicas: config.NATS_STREAM_REPLICAS };
  const providers = providersFromConfig(config);
  const secretsPool: Pool | null = config.DATABASE_URL && config.SHAMAN_SECRET_KEY ? createPool(config.DATABASE_URL, { applicationName: 'executor-secrets', max: 4 }) : null;
  if (!secretsPool) logger.info('no DATABASE_URL and SHAMAN_SECRET_KEY: agents cannot use ${NAME} organization secrets');
  const orgSecrets = secretsPool && config.SHAMAN_SECRET_KEY ? createOrgSecrets({ pool: secretsPool, secretBox: createSecretBox(config.SHAMAN_SECRET_KEY) }) : undefined;
  const mcp = createMcpClientPool({ allowPrivateUrls: config.MCP_ALLOW_PRIVATE_URLS, stdioCommands: config.MCP_STDIO_COMMANDS, logger, orgSecrets });
  // A factory: platform tools use the event store that startExecutorOn creates.
  const tools = (store: JetStreamEventStore) =>
    combineToolSources(
      runDataToolSource({ reader: createRunDataReader(store) }),
      callAgentToolSource({ store, nc, maxDepth: config.MAX_CALL_DEPTH, timeoutMs: config.CALL_AGENT_TIMEOUT_MS }),
      mcp,
    );
  const executor = await startExecutorOn({ nc, layout, config, logger, providers, tools });
  const health = config.HEALTH_PORT > 0 ? await startHealthServer({ port: config.HEALTH_PORT, ready: () => !nc.isClosed() && !nc.isDraining() }) : null;
  return {
    stop: async () => {
      await health?.close();
      await executor.stop();
      await mcp.close();
      await nc.drain();
      await secretsPool?.end();
    },
  };
};
