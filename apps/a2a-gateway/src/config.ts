import { TracingEnv, parseConfig } from '@shaman/platform';
import { z } from 'zod';

export const Env = z.object({
  DATABASE_URL: z.string().min(1).default('postgres://shaman_app@127.0.0.1:5432/shaman'),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  NATS_STREAM: z.string().regex(/^[A-Za-z0-9_-]+$/).default('SHAMAN_EVENTS'),
  /** Replicas of the event stream when this app creates it (3 on a cluster). */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  NATS_SUBJECT_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('shaman'),
  GATEWAY_HOST: z.string().default('127.0.0.1'),
  GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** The URL callers reach this gateway at; the agent card advertises it. Defaults to host:port. */
  GATEWAY_PUBLIC_URL: z.url().optional(),
  /** How long a blocking `message/send` waits for the step to end before answering with its current state. */
  GATEWAY_BLOCKING_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  /** How long a valid API key is remembered in-process; a revoked key stops working within this. 0 = always ask the database. */
  GATEWAY_API_KEY_CACHE_MS: z.coerce.number().int().nonnegative().default(5000),
  GATEWAY_BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
  /** BullMQ's Redis (push-notification delivery) and the rate-limit counters. */
  REDIS_URL: z.string().min(1).default('redis://127.0.0.1:6379'),
  /** BullMQ key prefix, shared with the other apps' queues. */
  BULLMQ_PREFIX: z.string().min(1).default('bull'),
  /** 32 bytes, base64: seals push-notification credentials. Empty = unset (configs with credentials are then refused). */
  SHAMAN_SECRET_KEY: z.string().optional().transform((v) => v || undefined),
  /** Whether this process runs the push dispatcher and sender (the methods work either way). */
  GATEWAY_PUSH_WORKER: z.stringbool().default(true),
  /** Lets push URLs reach loopback and private networks (a single-tenant or test stack); off in production. */
  GATEWAY_PUSH_ALLOW_PRIVATE_NETWORKS: z.stringbool().default(false),
  /** Tries per notification before it is marked failed, and the first back-off (doubling, capped at 5 min). */
  GATEWAY_PUSH_MAX_ATTEMPTS: z.coerce.number().int().positive().default(8),
  GATEWAY_PUSH_BACKOFF_MS: z.coerce.number().int().positive().default(1000),
  GATEWAY_PUSH_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Requests per API key per minute (fixed window in Redis); 0 disables the limit. */
  GATEWAY_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().nonnegative().default(3000),
  /** `<org-slug>.<GATEWAY_BASE_DOMAIN>` names the organization; a key of another one is refused there. */
  GATEWAY_BASE_DOMAIN: z.string().optional().transform((v) => v || undefined),
  /**
   * The internal role (agents calling agents, docs/a2a.md "Internal role"): a second listener that accepts only
   * platform JWTs. Unset = no internal listener; 0 = a free port (tests). Keep it off the public network.
   */
  GATEWAY_INTERNAL_PORT: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(65535).optional()),
  GATEWAY_INTERNAL_HOST: z.string().default('127.0.0.1'),
  /** Public JWKS (JSON) the internal role verifies platform tokens with; several keys during a rotation. */
  SHAMAN_INTERNAL_JWKS: z.string().optional().transform((v) => v || undefined),
  /** HS256 shared secret, the fallback when no JWKS is configured (then HS256 is the only algorithm accepted). */
  SHAMAN_INTERNAL_JWT_SECRET: z.string().optional().transform((v) => v || undefined),
  /** `iss` and `aud` of platform tokens; signers (executors) must use the same values. Empty = the default. */
  SHAMAN_INTERNAL_JWT_ISSUER: z.string().optional().transform((v) => v || 'shaman'),
  SHAMAN_INTERNAL_JWT_AUDIENCE: z.string().optional().transform((v) => v || 'shaman-internal'),
  /** Call depth allowed when the organization sets no `max_call_depth`. */
  GATEWAY_MAX_CALL_DEPTH: z.coerce.number().int().min(1).max(64).default(8),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** OpenTelemetry (OTEL_*): tracing is off unless an OTLP endpoint is set (docs/operations.md). */
  ...TracingEnv.shape,
}).refine((c) => c.GATEWAY_INTERNAL_PORT === undefined || c.SHAMAN_INTERNAL_JWKS !== undefined || c.SHAMAN_INTERNAL_JWT_SECRET !== undefined, {
  path: ['GATEWAY_INTERNAL_PORT'],
  message: 'the internal role needs verification keys: set SHAMAN_INTERNAL_JWKS (or the HS256 fallback SHAMAN_INTERNAL_JWT_SECRET)',
});

export type GatewayConfig = Readonly<z.infer<typeof Env>>;
export const loadGatewayConfig = (env: Record<string, string | undefined> = process.env): GatewayConfig => parseConfig(Env, env);
