export { createPool, preparedStatement, withTransaction, withOrg, withDatabase, withUser, type Pool, type PoolClient, type PoolOptions } from './db.js';
export { runMigrations, readMigrations, type Migration, type MigrationReport } from './migrate.js';
export { deterministicId, newId } from './ids.js';
export { generateApiKey, hashApiKey, looksLikeApiKey, scopeAllowsAgent, type ApiKeyEnvironment, type GeneratedApiKey } from './api-keys.js';
export { createLogger, type Logger } from './logger.js';
export { parseConfig } from './config.js';
export { ROLES, type Role, apiKeyFromHeaders, authenticateApiKey, createApiKeyAuthenticator, type ApiKeyAuthenticator, type ApiKeyPrincipal, type ApiKeyRejection, type ApiKeyAuthResult } from './auth.js';
export { ensureOrganization, issueApiKey, revokeApiKey, type NewOrganization, type IssuedApiKey } from './organizations.js';
export { startHealthServer, checkReadiness, softCheck, natsCheck, postgresCheck, redisCheck, type HealthServer, type ReadinessCheck, type Readiness } from './health-server.js';
export { withLogContext, addLogContext, currentLogContext, type LogContext } from './log-context.js';
export { redactText, redactValue } from './redact.js';
export { createAppMetrics, type AppMetrics } from './metrics/registry.js';
export { registerHttpMetrics } from './metrics/http-metrics.js';
export { createRedisProbe, type RedisProbe } from './metrics/redis-probe.js';
export { createRunMetrics, countAppendedEvents, type RunMetrics } from './metrics/run-metrics.js';
export { sampledGauge, queueDepthGauge, type Sample } from './metrics/sampled-gauge.js';
export { TracingEnv, tracesUrlOf, type TracingConfig } from './tracing/tracing-config.js';
export { startTracing, type Tracing } from './tracing/start-tracing.js';
export { inSpan, startSpan, withActiveSpan, injectTraceHeaders, activeTraceparent, contextOf, linkTo, SpanKind, type Span } from './tracing/spans.js';
export { traceAppends } from './tracing/trace-appends.js';
export { registerRequestScope } from './tracing/request-scope.js';
export { runApp, startWhenReachable, isUnreachable } from './app-lifecycle.js';
export { natsServers } from './nats-servers.js';
export { connectNats } from './nats-connect.js';
export { turnCork, COALESCE_FLUSH_BYTES, type TurnCork } from './turn-cork.js';
export { createSecretBox, generateSecretKey, SecretBoxError, type SecretBox, type SecretBoxErrorCode } from './secret-box.js';
export {
  upsertRepository,
  listRepositories,
  recordRepositorySync,
  recordRepositorySyncFailure,
  lockRepository,
  deleteRepository,
  updateRepository,
  listRepositorySchedules,
  type RepositorySchedule,
  repositoryWebhookTarget,
  type RepositoryWebhookTarget,
  LiveAgent,
  SyncProblem,
  type RepositoryRecord,
  type NewRepository,
  type RepositorySyncRecord,
} from './repositories.js';
export {
  createRepositorySyncQueue,
  repositorySchedulerId,
  RepositorySyncJob,
  REPOSITORY_SYNC_QUEUE,
  type RepositorySyncQueue,
  type RepositorySyncQueueOptions,
} from './repository-sync-queue.js';
export { assertPublicUrl, UrlRefusedError, type UrlRefusedReason } from './net/ssrf-guard.js';
export { SECRET_NAME, putOrgSecret, deleteOrgSecret, listOrgSecrets, openOrgSecrets, type SecretSummary } from './org-secrets.js';
export {
  createInternalTokenIssuer,
  createInternalTokenVerifier,
  createRedisJtiGuard,
  createMemoryJtiGuard,
  generateInternalKeyPair,
  loadInternalKeys,
  parseInternalSigningKey,
  parseInternalVerificationKeys,
  publishedJwks,
  InternalTokenError,
  InternalKeyConfigError,
  MAX_TOKEN_LIFETIME_SECONDS,
  type InternalCallClaims,
  type InternalTokenErrorCode,
  type InternalTokenIssuer,
  type InternalTokenIssuerOptions,
  type InternalTokenVerifier,
  type InternalTokenVerifierOptions,
  type JtiReplayGuard,
  type InternalAsymmetricAlg,
  type InternalKeys,
  type InternalSigningKey,
  type InternalVerificationKeys,
} from './internal-token/index.js';
