import { parseConfig } from '@shaman/platform';
import { hostname } from 'node:os';
import { z } from 'zod';

const Env = z.object({
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
  /** `/healthz` and `/readyz` on this port; 0 = none. */
  HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
  /** Let HTTP MCP servers on loopback/private addresses through the SSRF guard (local development only). */
  MCP_ALLOW_PRIVATE_URLS: z.stringbool().default(false),
  /**
   * Commands stdio MCP servers may run, comma-separated, or `*`. A stdio server runs a tenant-chosen command on
   * this host, so the default allows none; `*` is for trusted single-tenant deployments.
   */
  MCP_STDIO_COMMANDS: z
    .string()
    .default('')
    .transform((v): readonly string[] | '*' => (v.trim() === '*' ? '*' : v.split(',').map((c) => c.trim()).filter((c) => c.length > 0))),
  /** How deep `call_agent` chains may go (cycles between agents are allowed, and bounded by this). */
  MAX_CALL_DEPTH: z.coerce.number().int().min(1).max(64).default(8),
  /** How long a `call_agent` waits for the agent it called. */
  CALL_AGENT_TIMEOUT_MS: z.coerce.number().int().positive().default(300_000),
  /**
   * The organization secrets that `${NAME}` in MCP server definitions stands for: read as the RLS-bound app role
   * and opened with SHAMAN_SECRET_KEY. Without both, every `${NAME}` is missing (a step using one fails).
   */
  DATABASE_URL: z.string().optional().transform((v) => v || undefined),
  SHAMAN_SECRET_KEY: z.string().optional().transform((v) => v || undefined),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type ExecutorConfig = Readonly<z.infer<typeof Env>>;
export const loadExecutorConfig = (env: Record<string, string | undefined> = process.env): ExecutorConfig => parseConfig(Env, env);
