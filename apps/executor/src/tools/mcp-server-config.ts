import { createHash } from 'node:crypto';
import { z } from 'zod';
import { McpToolsError } from './mcp-tools.error.js';

// The same shapes as the agent frontmatter (libs/agents), parsed again here because the tool source
// receives `mcpServers` as `unknown` (ToolSource) and parses at its own ingress.
const StringMap = z.record(z.string(), z.string());
const StdioServer = z.object({
  command: z.string().min(1),
  args: z.array(z.string()).optional(),
  env: StringMap.optional(),
  tools: z.array(z.string()).optional(),
});
const HttpServer = z.object({ url: z.string().min(1), headers: StringMap.optional(), tools: z.array(z.string()).optional() });
const McpServers = z.record(z.string(), z.union([StdioServer, HttpServer])).optional();

/** An MCP server with every `${VAR}` replaced: ready to connect to, never to log. */
export type ResolvedMcpServer = { name: string; tools: readonly string[] | undefined } & (
  | { kind: 'stdio'; command: string; args: string[]; env: Record<string, string> }
  | { kind: 'http'; url: string; headers: Record<string, string> }
);

/** Looks up an organization secret; `context` says whose definition asks, for sources that scope secrets. */
export type SecretLookup = (name: string, context: { agent: string; repository: string }) => string | undefined;

type Interpolate = (value: string, field: string) => string;

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

const interpolator =
  (server: string, lookup: (name: string) => string | undefined): Interpolate =>
  (value, field) =>
    value.replace(VARIABLE, (_match, variable: string) => {
      const secret = lookup(variable);
      if (secret === undefined) {
        throw new McpToolsError('mcp.missing_secret', `MCP server "${server}": ${field} references \${${variable}}, which is not set`);
      }
      return secret;
    });

const mapValues = (record: Record<string, string> | undefined, field: string, interpolate: Interpolate) =>
  Object.fromEntries(Object.entries(record ?? {}).map(([k, v]) => [k, interpolate(v, `${field}.${k}`)]));

/** Parses an agent's `mcpServers`; a server name may not contain "." because tools are named `<server>.<tool>`. */
export const parseMcpServers = (raw: unknown, agent: string) => {
  const parsed = McpServers.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.map(String).join('.') ?? '';
    throw new McpToolsError('mcp.invalid_config', `agent "${agent}": mcpServers.${at}: ${issue?.message ?? 'invalid'}`);
  }
  const servers = parsed.data ?? {};
  const dotted = Object.keys(servers).find((name) => name.includes('.') || name === '');
  if (dotted !== undefined) {
    throw new McpToolsError('mcp.invalid_config', `agent "${agent}": MCP server name "${dotted}" must be non-empty and contain no "."`);
  }
  return servers;
};
export type McpServerDefinition = NonNullable<z.infer<typeof McpServers>>[string];

/** Replaces `${VAR}` in command, args, env values, url and header values; a missing variable throws. */
export const resolveMcpServer = (
  name: string,
  definition: McpServerDefinition,
  lookup: (variable: string) => string | undefined,
): ResolvedMcpServer => {
  const interpolate = interpolator(name, lookup);
  if ('command' in definition) {
    return {
      name,
      tools: definition.tools,
      kind: 'stdio',
      command: interpolate(definition.command, 'command'),
      args: (definition.args ?? []).map((arg, i) => interpolate(arg, `args[${i}]`)),
      env: mapValues(definition.env, 'env', interpolate),
    };
  }
  return {
    name,
    tools: definition.tools,
    kind: 'http',
    url: interpolate(definition.url, 'url'),
    headers: mapValues(definition.headers, 'headers', interpolate),
  };
};

const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, canonical(v)]));
  }
  return value;
};

/**
 * Identifies one connection. The hash covers the resolved definition, so an edited definition or a
 * rotated secret opens a new connection; it is a digest, so the key itself reveals no secret.
 */
export const connectionKey = (owner: { repository: string; agent: string }, server: ResolvedMcpServer): string => {
  const digest = createHash('sha256').update(JSON.stringify(canonical(server))).digest('hex').slice(0, 32);
  return JSON.stringify([owner.repository, owner.agent, server.name, digest]);
};
