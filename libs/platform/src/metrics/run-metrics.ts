import { Counter, Histogram, type Registry } from 'prom-client';

/** Seconds; LLM calls and steps run from milliseconds (scripted) to minutes (long agent loops). */
const LATENCY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * What the executor counts while it works. Run counters follow the events it appends (a step's first
 * `StepStarted`, its terminal event), so a redelivered step is not counted twice: they count decisions that
 * reached the log, not attempts. Agent and tool names are the tenant's own; their number per deployment is
 * bounded by the agents repositories define.
 */
export type RunMetrics = ReturnType<typeof createRunMetrics>;

export const createRunMetrics = (registry: Registry) => {
  const registers = [registry];
  return {
    stepsStarted: new Counter({ name: 'shaman_runs_started_total', help: 'Steps (agent runs) started: StepStarted appended, by agent.', labelNames: ['agent'], registers }),
    stepsCompleted: new Counter({ name: 'shaman_runs_completed_total', help: 'Steps (agent runs) completed: StepCompleted appended, by agent.', labelNames: ['agent'], registers }),
    stepsFailed: new Counter({ name: 'shaman_runs_failed_total', help: 'Steps (agent runs) failed: StepFailed appended, by agent.', labelNames: ['agent'], registers }),
    stepsCanceled: new Counter({ name: 'shaman_runs_canceled_total', help: 'Steps (agent runs) canceled: StepCanceled appended, by agent.', labelNames: ['agent'], registers }),
    stepDuration: new Histogram({
      name: 'shaman_step_handling_duration_seconds',
      help: 'Time one delivery of a step request took in this executor, by agent and outcome (settled, failed, handed_back).',
      labelNames: ['agent', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    llmDuration: new Histogram({
      name: 'shaman_llm_request_duration_seconds',
      help: 'LLM call latency including in-step retries, by provider, model and outcome.',
      labelNames: ['provider', 'model', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    tokens: new Counter({ name: 'shaman_llm_tokens_total', help: 'Tokens used by model calls, by model and kind (input, output).', labelNames: ['model', 'kind'], registers }),
    toolCalls: new Counter({ name: 'shaman_tool_calls_total', help: 'Tool calls, by tool and outcome (ok, error, aborted).', labelNames: ['tool', 'outcome'], registers }),
    toolDuration: new Histogram({ name: 'shaman_tool_call_duration_seconds', help: 'Tool call latency, by tool and outcome.', labelNames: ['tool', 'outcome'], buckets: LATENCY_BUCKETS, registers }),
  };
};

/** A step event as the executor appends it. */
type AppendedEvent = { type: string; data?: unknown };

/**
 * Counts the run lifecycle from events as they are appended. `step.agent` is the agent of the step being
 * driven: the request names it; a step resumed by an answer or a cancel learns it from the events it appends
 * (StepStarted, UsageRecorded), and terminal events, which do not name it, use what was learned.
 */
export const countAppendedEvents = (metrics: RunMetrics, step: { agent: string }, events: readonly AppendedEvent[]): void => {
  for (const event of events) {
    const named = agentNamedBy(event);
    if (named !== null) step.agent = named;
    const agent = step.agent;
    if (event.type === 'StepStarted') metrics.stepsStarted.inc({ agent });
    else if (event.type === 'StepCompleted') metrics.stepsCompleted.inc({ agent });
    else if (event.type === 'StepFailed') metrics.stepsFailed.inc({ agent });
    else if (event.type === 'StepCanceled') metrics.stepsCanceled.inc({ agent });
    else if (event.type === 'UsageRecorded') countUsage(metrics, event.data);
  }
};

const agentNamedBy = (event: AppendedEvent): string | null => {
  const data = event.data as { agent?: unknown } | undefined;
  if (typeof data?.agent === 'string') return data.agent;
  const name = (data?.agent as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : null;
};

const countUsage = (metrics: RunMetrics, data: unknown): void => {
  const usage = data as { model?: unknown; inputTokens?: unknown; outputTokens?: unknown } | undefined;
  const model = typeof usage?.model === 'string' ? usage.model : 'unknown';
  if (typeof usage?.inputTokens === 'number') metrics.tokens.inc({ model, kind: 'input' }, usage.inputTokens);
  if (typeof usage?.outputTokens === 'number') metrics.tokens.inc({ model, kind: 'output' }, usage.outputTokens);
};
