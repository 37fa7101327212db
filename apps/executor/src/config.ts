import { TracingEnv, parseConfig } from '@shaman/platform';
import { hostname } from 'node:os';
import { z } from 'zod';

export const DEFAULT_CLAIM_WITH_ANSWER_MS = 10;

export const Env = z.object({
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  NATS_STREAM: z.string().regex(/^[A-Za-z0-9_-]+$/).default('SHAMAN_EVENTS'),
  /** Replicas of the event stream when this app creates it (3 on a cluster). */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  NATS_SUBJECT_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('shaman'),
  EXECUTOR_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
  /** Steps one process runs at once: they wait on I/O, so this is large; JetStream's max_ack_pending bounds it too. */
  EXECUTOR_CONCURRENCY: z.coerce.number().int().positive().default(2000),
  EXECUTOR_ACK_WAIT_MS: z.coerce.number().int().min(1000).default(30_000),
  EXECUTOR_MAX_DELIVER: z.coerce.number().int().min(1).default(5),
  /** Unacked steps across all executors sharing the consumer (JetStream `max_ack_pending`). */
  EXECUTOR_MAX_ACK_PENDING: z.coerce.number().int().positive().default(20_000),
  /** Defaults for agents that set none in their frontmatter. */
  STEP_MAX_ITERATIONS: z.coerce.number().int().positive().default(10),
  LLM_MAX_ATTEMPTS: z.coerce.number().int().positive().default(3),
  /**
   * How long a step's claim (StepStarted) may wait to share one commit with the first model answer; a slower
   * model finds it recorded alone by then. 0 records every claim before the model is asked (docs/performance.md).
   */
  EXECUTOR_CLAIM_WITH_ANSWER_MS: z.coerce.number().int().nonnegative().default(DEFAULT_CLAIM_WITH_ANSWER_MS),
  /** Latency added to every answer of the offline `scripted` model (benchmarks, fault tests). */
  SCRIPTED_LATENCY_MS: z.coerce.number().int().nonnegative().default(0),
  /** Model providers: each is registered only when configured; `gpt-*`/`o*` → OpenAI, `claude-*` → Anthropic, `ollama/*` → Ollama. */
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.url().optional(),
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z.url().optional(),
  OLLAMA_BASE_URL: z.url().optional(),
  /** Stream model answers (SSE) instead of waiting for the whole body. */
  LLM_STREAM: z.stringbool().default(false),
  /** Extra routes, JSON: [{"pattern":"mistral-*","provider":"openai"}]; they win over the defaults. */
  MODEL_ROUTES: z
    .string()
    .transform((text, ctx) => {
      try {
        return z.array(z.object({ pattern: z.string().min(1), provider: z.string().min(1) })).parse(JSON.parse(text));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected JSON [{"pattern": "...", "provider": "..."}]' });
        return z.NEVER;
      }
    })
    .optional(),
  /** `/healthz`, `/readyz` and `/metrics` on this port; 0 = none (compose sets 9465). */
  HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
  /** On SIGTERM, how long steps in progress may finish before they are handed back to other executors. */
  EXECUTOR_DRAIN_GRACE_MS: z.coerce.number().int().nonnegative().default(10_000),
  /** Let HTTP MCP servers on loopback/private addresses through the SSRF guard (local development only). */
  MCP_ALLOW_PRIVATE_URLS: z.stringbool().default(false),
  /** Let agents.json's external A2A agents on loopback/private addresses through the SSRF guard (development, tests). */
  EXTERNAL_AGENTS_ALLOW_PRIVATE_URLS: z.stringbool().default(false),
  /**
   * Commands stdio MCP servers may run, comma-separated, or `*`. A stdio server runs a tenant-chosen command on
   * this host, so the default allows none; `*` is for trusted single-tenant deployments.
   */
  MCP_STDIO_COMMANDS: z
    .string()
    .default('')
    .transform((v): readonly string[] | '*' => (v.trim() === '*' ? '*' : v.split(',').map((c) => c.trim()).filter((c) => c.length > 0))),
  /**
   * The gateway's internal role (`GATEWAY_INTERNAL_PORT`), where `call_agent` sends other agents their messages,
   * signed with SHAMAN_INTERNAL_JWT_PRIVATE_KEY (or the HS256 fallback SHAMAN_INTERNAL_JWT_SECRET). Unset: agents
   * cannot call agents of the platform. The call depth limit is the gateway's (per organization).
   */
  EXECUTOR_INTERNAL_GATEWAY_URL: z.url().optional(),
  SHAMAN_INTERNAL_JWT_PRIVATE_KEY: z.string().optional().transform((v) => v || undefined),
  SHAMAN_INTERNAL_JWT_SECRET: z.string().optional().transform((v) => v || undefined),
  SHAMAN_INTERNAL_JWT_ISSUER: z.string().min(1).default('shaman'),
  SHAMAN_INTERNAL_JWT_AUDIENCE: z.string().min(1).default('shaman-internal'),
  /** How many agents one step may call (blocking and async together). */
  CALL_AGENT_MAX_FAN_OUT: z.coerce.number().int().min(1).max(1000).default(16),
  /** Per HTTP attempt to the internal gateway, and the whole of a call to an external A2A agent. */
  CALL_AGENT_TIMEOUT_MS: z.coerce.number().int().positive().default(300_000),
  /**
   * The organization secrets that `${NAME}` in MCP server definitions stands for: read as the RLS-bound app role
   * and opened with SHAMAN_SECRET_KEY. Without both, every `${NAME}` is missing (a step using one fails).
   */
  DATABASE_URL: z.string().optional().transform((v) => v || undefined),
  SHAMAN_SECRET_KEY: z.string().optional().transform((v) => v || undefined),
  /**
   * Redis of the model response cache (docs/agents.md) and of step/run deadlines (BullMQ, docs/replay.md "Durable
   * execution"); unset = no cache, every model call goes to its provider, and no step or run has a deadline.
   */
  REDIS_URL: z.string().optional().transform((v) => v || undefined),
  /** BullMQ key prefix of the deadline queue, shared with the other apps' queues. */
  BULLMQ_PREFIX: z.string().min(1).default('bull'),
  /** A step's deadline, from its claim, when its agent sets no `timeoutSeconds`; 0 = none. Needs REDIS_URL. */
  STEP_TIMEOUT_MS: z.coerce.number().int().nonnegative().default(1_800_000),
  /** A run's deadline, from the first claim of one of its steps; 0 = none. Needs REDIS_URL. */
  RUN_TIMEOUT_MS: z.coerce.number().int().nonnegative().default(7_200_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** OpenTelemetry (OTEL_*): tracing is off unless an OTLP endpoint is set (docs/operations.md). */
  ...TracingEnv.shape,
});

export type ExecutorConfig = Readonly<z.infer<typeof Env>>;
export const loadExecutorConfig = (env: Record<string, string | undefined> = process.env): ExecutorConfig => parseConfig(Env, env);
