import { parseConfig } from '@shaman/platform';
import { z } from 'zod';

const Env = z.object({
  // The RLS-bound app role: every read goes through row-level security (DESIGN §6).
  DATABASE_URL: z.string().min(1).default('postgres://shaman_app@127.0.0.1:5432/shaman'),
  GQL_PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  GQL_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GQL_MAX_DEPTH: z.coerce.number().int().positive().default(10),
});

export type Config = Readonly<z.infer<typeof Env>>;

/** The only place this app reads the environment; fails fast before any connection opens. */
export const loadConfig = (env: Record<string, string | undefined> = process.env): Config => parseConfig(Env, env);
