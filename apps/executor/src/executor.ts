import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { createJetStreamEventStore, type JetStreamEventStore } from '@shaman/event-store';
import { EXECUTOR_CONSUMER, ensureJetStream, type NatsLayout } from '@shaman/nats-infra';
import { createAppMetrics, createRunMetrics, traceAppends, type AppMetrics, type Logger } from '@shaman/platform';
import { callLlmActivity } from './activities/call-llm.activity.js';
import { callToolActivity, combineToolSources, staticToolSource, type Tool, type ToolSource } from './activities/call-tool.activity.js';
import { createAgentResolver } from './agent-resolver.js';
import { listenForMaxDeliveries } from './deadlines/max-deliveries-listener.js';
import { startDeadlines, type DeadlineOptions } from './deadlines/deadline-runtime.js';
import { DEFAULT_CLAIM_WITH_ANSWER_MS, type ExecutorConfig } from './config.js';
import { runConsumerLoop } from './consumer-loop.js';
import { measureLlm, measureTool } from './metrics/activity-metrics.js';
import { executorConsumerGauge } from './metrics/consumer-lag.js';
import { countingStore } from './metrics/counting-store.js';
import { createDeliveryEdge } from './metrics/delivery-scope.js';
import { createDeltaPublisher } from './llm/delta-publisher.js';
import { createProviderRegistry, type ProviderRegistry } from './llm/provider-registry.js';
import type { ResponseCache } from './llm/response-cache.js';
import { createScriptedProvider } from './llm/scripted.provider.js';
import { withLatency } from './llm/latency.provider.js';
import { createModelRoutes } from './llm/model-routes.js';
import { handleRequest } from './request-handler.js';
import { runStep } from './run-step.js';
import { listenForStepSignals } from './step-signals.js';
import { requestUserInputToolSource } from './tools/platform/request-user-input.tool.js';

export type ExecutorDeps = {
  nc: NatsConnection;
  layout: NatsLayout;
  config: Pick<ExecutorConfig, 'EXECUTOR_ID' | 'EXECUTOR_CONCURRENCY' | 'EXECUTOR_ACK_WAIT_MS' | 'EXECUTOR_MAX_DELIVER' | 'EXECUTOR_MAX_ACK_PENDING' | 'STEP_MAX_ITERATIONS' | 'LLM_MAX_ATTEMPTS'> &
    Partial<Pick<ExecutorConfig, 'EXECUTOR_CLAIM_WITH_ANSWER_MS'>>;
  logger: Logger;
  providers?: ProviderRegistry;
  /**
   * Where agents' tools come from; none by default. A factory receives the executor's event store, which
   * is created here, for tools that read the log (run data).
   */
  tools?: ToolSource | ((store: JetStreamEventStore) => ToolSource);
  clock?: () => Date;
  /** Where the executor's metrics go (served at `/metrics` by index.ts); a private registry when absent. */
  metrics?: AppMetrics;
  /** The model response cache (llm/response-cache.ts); absent = every model call goes to its provider. */
  responseCache?: ResponseCache;
  /** Step and run deadlines (BullMQ on Redis); absent = none (a deadline another executor appends still aborts here). */
  deadlines?: DeadlineOptions;
};

export type Executor = { stop(graceMs?: number): Promise<void>; inFlight(): number };

/** The offline default: every `scripted…` model answers from the agent repository's script (or echoes). */
export const defaultProviders = (options: { scriptedLatencyMs?: number } = {}): ProviderRegistry =>
  createProviderRegistry({ scripted: withLatency(createScriptedProvider(), options.scriptedLatencyMs ?? 0) }, [{ pattern: 'scripted*', provider: 'scripted' }]);

/** The providers a deployment configured, plus the offline scripted one, routed by model name. */
export const providersFromConfig = (config: ExecutorConfig): ProviderRegistry => {
  const { providers, routes } = createModelRoutes({
    scripted: withLatency(createScriptedProvider(), config.SCRIPTED_LATENCY_MS),
    ...(config.OPENAI_API_KEY ? { openai: { apiKey: config.OPENAI_API_KEY, ...(config.OPENAI_BASE_URL ? { baseUrl: config.OPENAI_BASE_URL } : {}) } } : {}),
    ...(config.ANTHROPIC_API_KEY ? { anthropic: { apiKey: config.ANTHROPIC_API_KEY, ...(config.ANTHROPIC_BASE_URL ? { baseUrl: config.ANTHROPIC_BASE_URL } : {}) } } : {}),
    ...(config.OLLAMA_BASE_URL ? { ollama: { baseUrl: config.OLLAMA_BASE_URL } } : {}),
    ...(config.MODEL_ROUTES ? { extraRoutes: config.MODEL_ROUTES } : {}),
    stream: config.LLM_STREAM,
  });
  return createProviderRegistry(providers, routes);
};

const abortableSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** Wires the step loop to the shared consumer; returns once it is pulling. */
export const startExecutorOn = async (deps: ExecutorDeps): Promise<Executor> => {
  const { config, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const jsm = await jetstreamManager(deps.nc);
  await ensureJetStream(jsm, deps.layout, {
    ackWaitMs: config.EXECUTOR_ACK_WAIT_MS,
    maxDeliver: config.EXECUTOR_MAX_DELIVER,
    maxAckPending: config.EXECUTOR_MAX_ACK_PENDING,
  });
  // What the server applies, which an executor started with another setting may have changed: the shorter one
  // decides how young a request must be to skip the check before its claim is staged (request-handler).
  const applied = (await jsm.consumers.info(deps.layout.stream, EXECUTOR_CONSUMER)).config.ack_wait;
  const ackWaitMs = Math.min(config.EXECUTOR_ACK_WAIT_MS, applied === undefined ? Number.POSITIVE_INFINITY : applied / 1_000_000);
  const metrics = deps.metrics ?? createAppMetrics('executor', { defaultMetrics: false });
  const runMetrics = createRunMetrics(metrics.registry);
  // Appends are spans that stamp their trace on the events, and the run lifecycle is counted from them (src/metrics).
  const store = traceAppends(countingStore(await createJetStreamEventStore({ nc: deps.nc, ...deps.layout }), runMetrics));
  const deliveries = createDeliveryEdge({ metrics: runMetrics, logger });
  const given = typeof deps.tools === 'function' ? deps.tools(store) : (deps.tools ?? staticToolSource(new Map<string, Tool>()));
  // Built into the step loop itself (it parks the step), so every executor offers it to agents that list it.
  const tools = combineToolSources(requestUserInputToolSource(), given);
  const now = () => performance.now();
  const deadlines = deps.deadlines ? startDeadlines({ ...deps.deadlines, store, clock, logger }) : undefined;
  const step = runStep({
    store,
    agents: createAgentResolver(),
    callLlm: measureLlm(callLlmActivity({ providers: deps.providers ?? defaultProviders(), maxAttempts: config.LLM_MAX_ATTEMPTS, now, sleep: abortableSleep, cache: deps.responseCache, wallClock: clock, logger }), runMetrics),
    callTool: measureTool(callToolActivity({ now }), runMetrics),
    tools,
    executorId: config.EXECUTOR_ID,
    defaultMaxIterations: config.STEP_MAX_ITERATIONS,
    claimWithAnswerMs: config.EXECUTOR_CLAIM_WITH_ANSWER_MS ?? DEFAULT_CLAIM_WITH_ANSWER_MS,
    clock,
    logger,
    deltas: createDeltaPublisher({ nc: deps.nc, subjectPrefix: deps.layout.subjectPrefix }),
    deadlines,
  });
  const inFlight = new Map<string, AbortController>();
  const signals = listenForStepSignals({ nc: deps.nc, subjectPrefix: deps.layout.subjectPrefix, inFlight, logger });
  const exhausted = listenForMaxDeliveries({ nc: deps.nc, store, consumer: EXECUTOR_CONSUMER, clock, logger });
  const loop = await runConsumerLoop({
    js: store.js,
    stream: deps.layout.stream,
    consumer: EXECUTOR_CONSUMER,
    concurrency: config.EXECUTOR_CONCURRENCY,
    handle: deliveries.wrap(handleRequest({ store, runStep: step, logger, inFlight, heartbeatMs: Math.max(500, Math.floor(config.EXECUTOR_ACK_WAIT_MS / 3)), maxDeliver: config.EXECUTOR_MAX_DELIVER, ackWaitMs, clock })),
    logger,
  });
  executorConsumerGauge(metrics, { jsm: store.jsm, stream: deps.layout.stream, consumer: EXECUTOR_CONSUMER });
  logger.info({ executorId: config.EXECUTOR_ID, stream: deps.layout.stream }, 'executor pulling');
  return {
    inFlight: () => inFlight.size,
    stop: async (graceMs = 25_000) => {
      signals.unsubscribe();
      exhausted.unsubscribe();
      await loop.stop(graceMs);
      await deadlines?.close();
      deliveries.handBack(); // still running after the grace: another executor takes them now
    },
  };
};
