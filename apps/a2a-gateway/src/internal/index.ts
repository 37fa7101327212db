export { createInternalGatewayServer, type InternalRoleOptions } from './internal-server.js';
export { internalRoleFromConfig } from './internal-config.js';
export { DEFAULT_MAX_CALL_DEPTH } from './call-depth.js';
