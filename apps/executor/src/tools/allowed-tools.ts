/** The name an MCP tool is offered under: always qualified by its server, so no server can shadow another. */
export const qualifiedToolName = (server: string, tool: string): string => `${server}.${tool}`;

/**
 * The available tool names an agent's frontmatter `tools` lets it use, in `available` order. An entry names
 * one tool (`github.create_issue`) or all of one server's tools (`github.*`); anything else is ignored here
 * (built-in tools are matched by their own source).
 */
export const allowedTools = (agentTools: readonly string[], available: Iterable<string>): string[] => {
  const exact = new Set(agentTools);
  const wildcards = new Set(agentTools.filter((t) => t.length > 2 && t.endsWith('.*')).map((t) => t.slice(0, -2)));
  // Server names contain no "." (parseMcpServers), so the first "." separates server from tool.
  const serverOf = (name: string): string => name.slice(0, Math.max(0, name.indexOf('.')));
  return [...available].filter((name) => exact.has(name) || wildcards.has(serverOf(name)));
};

/** The servers an agent's `tools` list refers to at all, so servers it never uses are not started. */
export const referencedServers = (agentTools: readonly string[], servers: Iterable<string>): string[] =>
  [...servers].filter((server) => agentTools.some((t) => t.startsWith(`${server}.`)));
