export {
  AgentFrontmatter,
  type AgentFrontmatterInput,
  FRONTMATTER_KEY_ALIASES,
  agentFrontmatterJsonSchema,
} from './frontmatter.schema.js';
export {
  AgentDefinitionError,
  type AgentDefinitionErrorCode,
  type AgentDefinitionErrorOptions,
} from './agent-definition.error.js';
export { parseAgentFile, type AgentDefinition } from './parse-agent.js';
export {
  loadAgentRepository,
  createAgentCatalog,
  type AgentRepository,
  type AgentCatalog,
  type AgentCatalogOptions,
} from './load-repository.js';
export { isReservedName } from './frontmatter.schema.js';
export { createRepositoryCache, type RepositoryCache, type GitSource, type SyncedCommit } from './git/repository-cache.js';
export { GitSyncError, redactSecrets, type GitSyncErrorCode } from './git/git-sync.error.js';
export { readAgentsManifest, AgentsManifest, ExternalAgent, AGENTS_MANIFEST, type ManifestResult } from './git/agents-manifest.js';
export { SECRET_REFERENCE, secretReferences, interpolateSecrets, MissingSecretError } from './secret-references.js';
export {
  syncRepository,
  repositoryNameProblem,
  type LiveAgent,
  type SyncProblem,
  type RepositoryToSync,
  type RepositorySyncResult,
  type LiveDefinitionSummary,
} from './git/sync-repository.js';
export { resolveAgentName, notFoundMessage } from './resolution/resolve-agent-name.js';
export { externalAgentOf } from './resolution/external-agent-of.js';
export type {
  Resolution,
  InternalResolution,
  ExternalResolution,
  ExternalAuth,
  ResolutionSources,
  RepositorySource,
  RegistrySource,
  SearchedPlace,
} from './resolution/resolution.types.js';
export { RegistryAgent, RegistryListing, RegistryStatus } from './resolution/registry-listing.schema.js';
export { fetchRegistryListing, listingUrl, maxAgeOf, MAX_LISTING_BYTES, type RegistryFetch, type RegistryFetchOptions } from './resolution/registry-client.js';
