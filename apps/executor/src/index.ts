import type { JetStreamEventStore } from '@shaman/event-store';
import { createAppMetrics, createLogger, createPool, createSecretBox, natsCheck, connectNats, postgresCheck, softCheck, startHealthServer, type Pool } from '@shaman/platform';
import { loadExecutorConfig, type ExecutorConfig } from './config.js';
import { combineToolSources } from './activities/call-tool.activity.js';
import { providersFromConfig, startExecutorOn } from './executor.js';
import { createMcpClientPool } from './tools/mcp-client-pool.js';
import { createOrgSecrets } from './tools/org-secrets.js';
import { createRunDataReader } from './tools/platform/run-data.reader.js';
import { runDataToolSource } from './tools/platform/run-data.tools.js';
import { callAgentToolSource } from './tools/platform/call-agent.tool.js';
import { startResponseCache } from './llm/response-cache.runtime.js';
import { internalGatewayFromConfig } from './tools/platform/agent-calls.config.js';
import { createExternalAgents } from './tools/external/external-agents.js';
import { agentTargets } from './tools/platform/agent-targets.js';
import { startAgentNameResolution } from './resolution/index.js';

export { startExecutorOn, defaultProviders, providersFromConfig, type Executor, type ExecutorDeps } from './executor.js';
export { loadExecutorConfig, type ExecutorConfig } from './config.js';
// For `shaman replay --reexecute`, which serves tool calls from a recording (docs/replay.md).
export { toolOutcome, type Tool, type ToolSource } from './activities/call-tool.activity.js';

/** Starts an executor with its own NATS connection (and health endpoints when HEALTH_PORT is set); `stop` drains it. */
export const startExecutor = async (config: ExecutorConfig = loadExecutorConfig()): Promise<{ stop(): Promise<void> }> => {
  const logger = createLogger({ name: 'executor', level: config.LOG_LEVEL });
  const nc = await connectNats(config.NATS_URL, `executor-${config.EXECUTOR_ID}`);
  const layout = { stream: config.NATS_STREAM, subjectPrefix: config.NATS_SUBJECT_PREFIX, replicas: config.NATS_STREAM_REPLICAS };
  const providers = providersFromConfig(config);
  const secretsPool: Pool | null = config.DATABASE_URL && config.SHAMAN_SECRET_KEY ? createPool(config.DATABASE_URL, { applicationName: 'executor-secrets', max: 4 }) : null;
  if (!secretsPool) logger.info('no DATABASE_URL and SHAMAN_SECRET_KEY: agents cannot use ${NAME} organization secrets');
  const orgSecrets = secretsPool && config.SHAMAN_SECRET_KEY ? createOrgSecrets({ pool: secretsPool, secretBox: createSecretBox(config.SHAMAN_SECRET_KEY) }) : undefined;
  const mcp = createMcpClientPool({ allowPrivateUrls: config.MCP_ALLOW_PRIVATE_URLS, stdioCommands: config.MCP_STDIO_COMMANDS, logger, orgSecrets });
  const internalGateway = await internalGatewayFromConfig(config, logger);
  // Which agent a called name means (docs/agents.md, "Resolution"); needs the database, else agents.json only.
  const resolution = startAgentNameResolution({ config, nc, logger, orgSecrets });
  // A factory: platform tools use the event store that startExecutorOn creates.
  const tools = (store: JetStreamEventStore) =>
    combineToolSources(
      runDataToolSource({ reader: createRunDataReader(store) }),
      callAgentToolSource({
        gateway: internalGateway,
        maxFanOut: config.CALL_AGENT_MAX_FAN_OUT,
        targets: agentTargets({
          resolver: resolution?.resolver ?? null,
          external: createExternalAgents({ store, orgSecrets, allowPrivateUrls: config.EXTERNAL_AGENTS_ALLOW_PRIVATE_URLS, timeoutMs: config.CALL_AGENT_TIMEOUT_MS, clock: () => new Date(), executorId: config.EXECUTOR_ID }),
        }),
      }),
      mcp,
    );
  // Off unless REDIS_URL is set, and then still off for organizations and agents that did not turn it on.
  const llmCache = config.REDIS_URL ? startResponseCache({ redisUrl: config.REDIS_URL, databaseUrl: config.DATABASE_URL, logger }) : null;
  const metrics = createAppMetrics('executor');
  // Without Redis no step or run has a deadline (docs/replay.md "Durable execution").
  const deadlines = config.REDIS_URL ? { redisUrl: config.REDIS_URL, prefix: config.BULLMQ_PREFIX, stepTimeoutMs: config.STEP_TIMEOUT_MS, runTimeoutMs: config.RUN_TIMEOUT_MS } : undefined;
  const executor = await startExecutorOn({ nc, layout, config, logger, providers, tools, metrics, ...(llmCache ? { responseCache: llmCache.cache } : {}), ...(deadlines ? { deadlines } : {}) });
  const checks = { nats: natsCheck(nc), ...(secretsPool ? { postgres: softCheck(postgresCheck(secretsPool)) } : {}) };
  const health = config.HEALTH_PORT > 0 ? await startHealthServer({ port: config.HEALTH_PORT, checks, metrics }) : null;
  if (health) logger.info({ port: health.port }, 'health and metrics listening');
  return {
    stop: async () => {
      await health?.close();
      await executor.stop(config.EXECUTOR_DRAIN_GRACE_MS);
      await mcp.close();
      await nc.drain();
      await secretsPool?.end();
      await resolution?.stop();
      await llmCache?.close();
    },
  };
};
