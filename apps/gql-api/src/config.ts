import { parseConfig } from '@shaman/platform';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The repository root, found from this file (the CLI's default cache is under it too). */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const Env = z.object({
  // The RLS-bound app role: every read goes through row-level security (DESIGN §6).
  DATABASE_URL: z.string().min(1).default('postgres://shaman_app@127.0.0.1:5432/shaman'),
  GQL_PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  GQL_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GQL_MAX_DEPTH: z.coerce.number().int().positive().default(10),
  /** BullMQ's Redis: the repository sync queue (periodic syncs and push webhooks). */
  REDIS_URL: z.string().min(1).default('redis://127.0.0.1:6379'),
  /** BullMQ key prefix; the CLI (which schedules) must use the same. */
  BULLMQ_PREFIX: z.string().min(1).default('bull'),
  /** 32 bytes, base64: opens git tokens and webhook secrets. Empty (as compose files write it) = unset. */
  SHAMAN_SECRET_KEY: z.string().optional().transform((v) => v || undefined),
  /** Bare mirrors and per-commit worktrees; the gateways and executors must see the same path. */
  SHAMAN_REPO_CACHE: z.string().min(1).default(join(REPO_ROOT, '.shaman', 'repos')),
  /** Whether this process runs the sync worker (run one syncer per cache directory, docs/agents.md). */
  REPO_SYNC_WORKER: z.stringbool().default(true),
  REPO_SYNC_CONCURRENCY: z.coerce.number().int().positive().default(2),
});

export type Config = Readonly<z.infer<typeof Env>>;

/** The only place this app reads the environment; fails fast before any connection opens. */
export const loadConfig = (env: Record<string, string | undefined> = process.env): Config => parseConfig(Env, env);
