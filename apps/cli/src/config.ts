import { parseConfig } from '@shaman/platform';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The repository root, found from this file so the CLI works from any directory. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const Env = z.object({
  /** Migrations and seeding run as an administrative role; the apps get their own roles (see migrations/0001). */
  DATABASE_ADMIN_URL: z.string().min(1).default('postgres://postgres@127.0.0.1:5432/shaman'),
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  NATS_STREAM: z.string().default('SHAMAN_EVENTS'),
  NATS_SUBJECT_PREFIX: z.string().default('shaman'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** BullMQ key prefix of the repository sync queue; the same value as the gql-api that runs the worker. */
  BULLMQ_PREFIX: z.string().min(1).default('bull'),
  GATEWAY_PORT: z.coerce.number().int().min(0).default(8080),
  GQL_PORT: z.coerce.number().int().min(0).default(4000),
  SHAMAN_GATEWAY_URL: z.string().optional(),
  SHAMAN_API_KEY: z.string().optional(),
  LOG_LEVEL: z.string().default('warn'),
  NO_COLOR: z.string().optional(),
  /** 32 bytes, base64: encrypts git tokens at rest (AES-256-GCM). Needed only to store or use a token. */
  SHAMAN_SECRET_KEY: z.string().optional().transform((v) => v || undefined), // empty (as compose files write it) = unset
  /** Bare mirrors and per-commit worktrees of synced agent repositories. */
  SHAMAN_REPO_CACHE: z.string().min(1).default(join(REPO_ROOT, '.shaman', 'repos')),
  /** Where `shaman dev` keeps the local stack's state: the demo key (dev.json), secret.key, internal-jwt.json. */
  SHAMAN_DEV_DIR: z.string().min(1).default(join(REPO_ROOT, '.shaman')),
});

export type CliConfig = Readonly<z.infer<typeof Env>>;
export const loadCliConfig = (env: Record<string, string | undefined> = process.env): CliConfig => parseConfig(Env, env);
/** The environment the composed apps read their own configuration from. */
export const processEnv = (): Record<string, string | undefined> => ({ ...process.env });
/**
 * One variable the operator named on the command line (`--token-env VAR`): the token itself never appears in
 * argv, where `ps` and shell history would show it.
 */
export const namedEnvVar = (name: string, env: Record<string, string | undefined> = process.env): string | undefined => env[name];
