export { createPool, withTransaction, withOrg, withDatabase, withUser, type Pool, type PoolClient } from './db.js';
export { runMigrations, readMigrations, type Migration, type MigrationReport } from './migrate.js';
export { deterministicId, newId } from './ids.js';
export { generateApiKey, hashApiKey, looksLikeApiKey, scopeAllowsAgent, type ApiKeyEnvironment, type GeneratedApiKey } from './api-keys.js';
export { createLogger, type Logger } from './logger.js';
export { parseConfig } from './config.js';
export { ROLES, type Role, apiKeyFromHeaders, authenticateApiKey, createApiKeyAuthenticator, type ApiKeyAuthenticator, type ApiKeyPrincipal, type ApiKeyRejection, type ApiKeyAuthResult } from './auth.js';
export { ensureOrganization, issueApiKey, revokeApiKey, type NewOrganization, type IssuedApiKey } from './organizations.js';
export { startHealthServer, type HealthServer } from './health-server.js';
export { natsServers } from './nats-servers.js';
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
