export { createGqlServer, type GqlServer, type GqlServerDeps } from './server.js';
export { startGqlApi, type RunningGqlApi } from './start.js';
export { loadConfig, type Config } from './config.js';
export type { GqlErrorCode } from './errors.js';
export { syncAndRecord, type SyncAndRecordDeps, type SyncAttempt, type RepositoryEventSink } from './repositories/sync-and-record.js';
export { repositoryEventSink } from './repositories/repository-events.sink.js';
export { createSchema } from './schema/schema.js';
