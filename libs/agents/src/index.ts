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
