import { z } from 'zod';
import { AgentName } from '@shaman/events';

/** Names an agent may not take: they would read as the platform speaking (compared case-insensitively). */
const RESERVED_NAMES = new Set(['system', 'admin', 'root', 'internal']);

/** Whether a name (of an agent, alias or repository) is one the platform keeps for itself. */
export const isReservedName = (name: string): boolean => RESERVED_NAMES.has(name.toLowerCase());

/**
 * Older snake_case keys that mean the same as today's camelCase ones. Kept so existing repositories keep
 * loading; the parser also uses it to point at the line the author actually wrote.
 */
export const FRONTMATTER_KEY_ALIASES: Readonly<Record<string, string>> = {
  max_tokens: 'maxTokens',
  max_iterations: 'maxIterations',
  allowed_agents: 'allowedAgents',
  mcp_servers: 'mcpServers',
  context_scope: 'contextScope',
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// When both spellings are present the alias is left alone, so the strict object reports it as unknown
// instead of one silently winning.
const normaliseAliases = (value: unknown): unknown => {
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = { ...value };
  for (const [alias, key] of Object.entries(FRONTMATTER_KEY_ALIASES)) {
    if (alias in out && !(key in out)) {
      out[key] = out[alias];
      delete out[alias];
    }
  }
  return out;
};

const StringMap = z.record(z.string(), z.string());

/** An MCP server started as a child process, speaking over stdio. */
const StdioMcpServer = z.strictObject({
  command: z.string().min(1),
  args: z.array(z.string()).optional(),
  env: StringMap.optional(),
  tools: z.array(z.string()).optional(),
});

/** An MCP server reached over streamable HTTP. */
const HttpMcpServer = z.strictObject({
  url: z.string().min(1),
  headers: StringMap.optional(),
  tools: z.array(z.string()).optional(),
});

const AgentSkill = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  description: z.string().optional(),
  tags: z.array(z.string()).optional(),
  examples: z.array(z.string()).optional(),
});

const FrontmatterObject = z.strictObject({
  name: AgentName.refine((name) => !isReservedName(name), {
    message: `is reserved (${[...RESERVED_NAMES].join(', ')})`,
  }),
  description: z.string().default(''),
  version: z.string().optional(),
  model: z.string().min(1),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().positive().optional(),
  maxIterations: z.number().int().positive().default(10),
  /** How long one step of this agent may run, in seconds, from its claim (absent: the executor's STEP_TIMEOUT_MS). */
  timeoutSeconds: z.number().int().positive().max(86_400).optional(),
  exposed: z.boolean().default(true),
  tags: z.array(z.string()).default([]),
  tools: z.array(z.string()).default([]),
  allowedAgents: z.array(z.string()).default([]),
  mcpServers: z
    .record(
      z.string(),
      // The default union message ("Invalid input") would not tell an author which shapes are allowed.
      z.union([StdioMcpServer, HttpMcpServer], {
        error: 'expected stdio {command, args?, env?, tools?} or http {url, headers?, tools?}',
      }),
    )
    .optional(),
  contextScope: z.enum(['full', 'isolated']).default('full'),
  /**
   * Serve identical model requests from the organization's response cache for `ttlSeconds` (off when absent,
   * unless the organization turned it on for all its agents). For deterministic agents only: a cached answer
   * is the same answer, every time, until it expires.
   */
  cache: z.strictObject({ ttlSeconds: z.number().int().min(1).max(2_592_000) }).optional(),
  agentcard: z.strictObject({ skills: z.array(AgentSkill).optional() }).optional(),
});

/**
 * An agent file's YAML frontmatter. Strict: an unknown key is an error, so a typo such as `temprature`
 * fails loudly instead of being ignored. Snake_case aliases are normalised first.
 */
export const AgentFrontmatter = z.preprocess(normaliseAliases, FrontmatterObject);
export type AgentFrontmatter = z.infer<typeof AgentFrontmatter>;
/** The frontmatter as an author may write it (defaults not yet applied). */
export type AgentFrontmatterInput = z.input<typeof FrontmatterObject>;

/** JSON Schema of the frontmatter as written, for editor completion and validation (e.g. yaml-language-server). */
export const agentFrontmatterJsonSchema = (): Record<string, unknown> =>
  z.toJSONSchema(FrontmatterObject, { io: 'input', unrepresentable: 'any' });
