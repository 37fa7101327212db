export { createAgentNameResolver, type AgentNameResolver, type AgentNameResolverDeps } from './agent-name-resolver.js';
export { invalidateOnRepositoryEvents } from './resolution-invalidation.js';
export { loadOrgSnapshot, type OrgSnapshot, type RegistryRow, type RepositoryEntry } from './org-snapshot.js';
export { startAgentNameResolution } from './resolution.runtime.js';
