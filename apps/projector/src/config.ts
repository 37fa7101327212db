import { TracingEnv, parseConfig } from '@shaman/platform';
import { z } from 'zod';

export const Env = z.object({
  /** The projector role: it writes every tenant's rows, so it bypasses row-level security (migrations/0001). */
  DATABASE_URL: z.string().min(1).default('postgres://shaman_projector@127.0.0.1:5432/shaman'),
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  NATS_STREAM: z.string().min(1).default('SHAMAN_EVENTS'),
  /** Replicas of the event stream when this app creates it (3 on a cluster). */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  NATS_SUBJECT_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'one subject token').default('shaman'),
  /** Flush a batch once it holds this many commits … */
  PROJECTOR_BATCH_MAX: z.coerce.number().int().positive().default(500),
  /** … or this long after its first commit arrived, whichever comes first. */
  PROJECTOR_BATCH_WAIT_MS: z.coerce.number().int().nonnegative().default(5),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `/healthz`, `/readyz` and `/metrics` on this port; 0 serves none (compose sets 9464). */
  HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
  /** OpenTelemetry (OTEL_*): tracing is off unless an OTLP endpoint is set (docs/operations.md). */
  ...TracingEnv.shape,
});

export type ProjectorConfig = Readonly<z.infer<typeof Env>>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): ProjectorConfig => parseConfig(Env, env);
