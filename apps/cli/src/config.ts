import { parseConfig } from '@shaman/platform';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The repository root, found from this file so the CLI works from any directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const Env = z.object({
  /** Migrations and seeding run as an administrative role; the apps get their own roles (see migrations/0001). */
  DATABASE_ADMIN_URL: z.string().min(1).default('postgres://postgres@127.0.0.1:5432/shaman'),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  NATS_STREAM: z.string().default('SHAMAN_EVENTS'),
  NATS_SUBJECT_PREFIX: z.string().default('shaman'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  GATEWAY_PORT: z.coerce.number().int().min(0).default(8080),
  GQL_PORT: z.coerce.number().int().min(0).default(4000),
  SHAMAN_GATEWAY_URL: z.string().optional(),
  SHAMAN_API_KEY: z.string().optional(),
  LOG_LEVEL: z.string().default('warn'),
  NO_COLOR: z.string().optional(),
});

export type CliConfig = Readonly<z.infer<typeof Env>>;
export const loadCliConfig = (env: Record<string, string | undefined> = process.env): CliConfig => parseConfig(Env, env);
/** The environment the composed apps read their own configuration from. */
export const processEnv = (): Record<string, string | undefined> => ({ ...process.env });
