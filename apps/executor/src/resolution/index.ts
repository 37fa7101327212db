export { createAgentNameResolver, type AgentNameResolver, type AgentNameResolverDeps } from './agent-name-resolver.js';
export { invalidateOnOrgEvents } from './resolution-invalidation.js';
export { createRegistrySkipRecorder, type RegistrySkipRecorder, type SkippedRegistry } from './registry-skips.js';
export { loadOrgSnapshot, type OrgSnapshot, type RegistryRow, type RepositoryEntry } from './org-snapshot.js';
export { startAgentNameResolution } from './resolution.runtime.js';
