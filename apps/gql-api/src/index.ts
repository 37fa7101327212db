export { createGqlServer, type GqlServer, type GqlServerDeps } from './server.js';
export { startGqlApi, type RunningGqlApi } from './start.js';
export { loadConfig, type Config } from './config.js';
export type { GqlErrorCode } from './errors.js';
