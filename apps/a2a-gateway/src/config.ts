import { parseConfig } from '@shaman/platform';
import { z } from 'zod';

const Env = z.object({
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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type GatewayConfig = Readonly<z.infer<typeof Env>>;
export const loadGatewayConfig = (env: Record<string, string | undefined> = process.env): GatewayConfig => parseConfig(Env, env);
