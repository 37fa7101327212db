export { createPool, withTransaction, withOrg, withDatabase, withUser, type Pool, type PoolClient } from './db.js';
export { runMigrations, readMigrations, type Migration, type MigrationReport } from './migrate.js';
export { deterministicId, newId } from './ids.js';
export { generateApiKey, hashApiKey, looksLikeApiKey, scopeAllowsAgent, type ApiKeyEnvironment, type GeneratedApiKey } from './api-keys.js';
export { createLogger, type Logger } from './logger.js';
export { parseConfig } from './config.js';
export { apiKeyFromHeaders, authenticateApiKey, type ApiKeyPrincipal, type ApiKeyRejection, type ApiKeyAuthResult } from './auth.js';
export { ensureOrganization, issueApiKey, revokeApiKey, type NewOrganization, type IssuedApiKey } from './organizations.js';
