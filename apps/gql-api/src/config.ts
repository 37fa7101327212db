import { TracingEnv, parseConfig } from '@shaman/platform';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The repository root, found from this file (the CLI's default cache is under it too). */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const Env = z.object({
  // The RLS-bound app role: every read goes through row-level security (DESIGN §6).
  DATABASE_URL: z.string().min(1).default('postgres://shaman_app@127.0.0.1:5432/shaman'),
  GQL_PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  GQL_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GQL_MAX_DEPTH: z.coerce.number().int().positive().default(10),
  /** Estimated cost an operation may not exceed: fields, times the items each list may return. */
  GQL_MAX_COMPLEXITY: z.coerce.number().int().positive().default(10_000),
  /** Schema introspection. Off is the production hardening; the published schema.graphql documents the API. */
  GQL_INTROSPECTION: z.stringbool().default(true),
  /** A JSON file of allowed operations (array of texts, or sha256 → text); when set, nothing else runs. */
  GQL_ALLOWLIST_FILE: z.string().min(1).optional(),
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  NATS_STREAM: z.string().min(1).default('SHAMAN_EVENTS'),
  NATS_SUBJECT_PREFIX: z.string().min(1).default('shaman'),
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /**
   * People sign in with bearer JWTs from this OIDC issuer (verified against its JWKS); unset = API keys only.
   * The audience is required with it; the JWKS URL is discovered from the issuer unless given.
   */
  GQL_OIDC_ISSUER: z.url().optional(),
  GQL_OIDC_AUDIENCE: z.string().min(1).optional(),
  GQL_OIDC_JWKS_URL: z.url().optional(),
  GQL_OIDC_EMAIL_CLAIM: z.string().min(1).default('email'),
  GQL_OIDC_NAME_CLAIM: z.string().min(1).default('name'),
  GQL_OIDC_ALGORITHMS: z.string().default('RS256,ES256,EdDSA,PS256').transform((v) => v.split(',').map((a) => a.trim()).filter((a) => a !== '' && a.toLowerCase() !== 'none')),
  /** BullMQ's Redis: the repository sync queue (periodic syncs and push webhooks). */
  REDIS_URL: z.string().min(1).default('redis://127.0.0.1:6379'),
  /** BullMQ key prefix; the CLI (which schedules) must use the same. */
  BULLMQ_PREFIX: z.string().min(1).default('bull'),
  /** 32 bytes, base64: opens git tokens and webhook secrets. Empty (as compose files write it) = unset. */
  SHAMAN_SECRET_KEY: z.string().optional().transform((v) => v || undefined),
  /** Bare mirrors and per-commit worktrees; the gateways and executors must see the same path. */
  SHAMAN_REPO_CACHE: z.string().min(1).default(join(REPO_ROOT, '.shaman', 'repos')),
  /** Lets tenants add file://, local-path and private-network repository URLs through GraphQL (development only). */
  REPO_ALLOW_LOCAL_URLS: z.stringbool().default(false),
  /** Whether this process runs the sync worker (run one syncer per cache directory, docs/agents.md). */
  REPO_SYNC_WORKER: z.stringbool().default(true),
  /** Worktrees of commits no live agent uses are deleted after this long (runs pinned to them may still read them). */
  REPO_WORKTREE_RETENTION_HOURS: z.coerce.number().positive().default(168),
  REPO_SYNC_CONCURRENCY: z.coerce.number().int().positive().default(2),
  /** Scheduled retention (docs/replay.md "Retention"): every organization's policy, applied this often. */
  RETENTION_INTERVAL_MS: z.coerce.number().int().positive().default(3_600_000),
  /** Where runs are exported before they are deleted; unset (or empty) = scheduled retention off. */
  RETENTION_EXPORT_DIR: z.string().optional().transform((v) => v || undefined),
  /** The `shaman_retention` role (migrations/0017: reads policies, deletes finished runs' rows, nothing else); unset = off. */
  RETENTION_DATABASE_URL: z.string().optional().transform((v) => v || undefined),
  /** OpenTelemetry (OTEL_*): tracing is off unless an OTLP endpoint is set (docs/operations.md). */
  ...TracingEnv.shape,
});

export type Config = Readonly<z.infer<typeof Env>>;

/** The only place this app reads the environment; fails fast before any connection opens. */
export const loadConfig = (env: Record<string, string | undefined> = process.env): Config =>
  parseConfig(
    Env.refine((c) => (c.GQL_OIDC_ISSUER === undefined) === (c.GQL_OIDC_AUDIENCE === undefined), {
      message: 'GQL_OIDC_ISSUER and GQL_OIDC_AUDIENCE go together',
      path: ['GQL_OIDC_AUDIENCE'],
    }),
    env,
  );

/** The OIDC settings, when people may sign in. */
export const oidcConfigOf = (config: Config) =>
  config.GQL_OIDC_ISSUER && config.GQL_OIDC_AUDIENCE
    ? {
        issuer: config.GQL_OIDC_ISSUER,
        audience: config.GQL_OIDC_AUDIENCE,
        jwksUrl: config.GQL_OIDC_JWKS_URL,
        emailClaim: config.GQL_OIDC_EMAIL_CLAIM,
        nameClaim: config.GQL_OIDC_NAME_CLAIM,
        algorithms: config.GQL_OIDC_ALGORITHMS,
      }
    : null;
