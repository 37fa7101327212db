import { connect } from '@nats-io/transport-node';
import { createLogger, natsServers, startHealthServer } from '@shaman/platform';
import { loadExecutorConfig, type ExecutorConfig } from './config.js';
import { providersFromConfig, startExecutorOn } from './executor.js';
import { createMcpClientPool } from './tools/mcp-client-pool.js';

export { startExecutorOn, defaultProviders, providersFromConfig, type Executor, type ExecutorDeps } from './executor.js';
export { loadExecutorConfig, type ExecutorConfig } from './config.js';

/** Starts an executor with its own NATS connection (and health endpoints when HEALTH_PORT is set); `stop` drains it. */
export const startExecutor = async (config: ExecutorConfig = loadExecutorConfig()): Promise<{ stop(): Promise<void> }> => {
  const logger = createLogger({ name: 'executor', level: config.LOG_LEVEL });
  const nc = await connect({ servers: natsServers(config.NATS_URL), name: `executor-${config.EXECUTOR_ID}` });
  const layout = { stream: config.NATS_STREAM, subjectPrefix: config.NATS_SUBJECT_PREFIX, replicas: config.NATS_STREAM_REPLICAS };
  const providers = providersFromConfig(config);
  const mcp = createMcpClientPool({ allowPrivateUrls: config.MCP_ALLOW_PRIVATE_URLS, stdioCommands: config.MCP_STDIO_COMMANDS, logger });
  const executor = await startExecutorOn({ nc, layout, config, logger, providers, tools: mcp });
  const health = config.HEALTH_PORT > 0 ? await startHealthServer({ port: config.HEALTH_PORT, ready: () => !nc.isClosed() && !nc.isDraining() }) : null;
  return {
    stop: async () => {
      await health?.close();
      await executor.stop();
      await mcp.close();
      await nc.drain();
    },
  };
};
