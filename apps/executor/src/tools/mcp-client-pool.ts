import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '@shaman/platform';
import type { Tool, ToolSource } from '../activities/call-tool.activity.js';
import { allowedTools, qualifiedToolName, referencedServers } from './allowed-tools.js';
import { createConnectionCache } from './mcp-connection-cache.js';
import { isTransportFailure, openMcpConnection, type McpConnection } from './mcp-connection.js';
import { toolOutput } from './mcp-result.js';
import { McpToolsError } from './mcp-tools.error.js';
import { connectionKey, parseMcpServers, resolveMcpServer, type ResolvedMcpServer, type SecretLookup } from './mcp-server-config.js';

/** An organization's secrets by name, opened right before use (see org-secrets.ts). */
export type OrgSecrets = (orgId: string) => Promise<ReadonlyMap<string, string>>;

export type McpClientPoolOptions = {
  /** The step's organization's secrets for `${VAR}`: what production uses. */
  orgSecrets?: OrgSecrets;
  /** Operator-provided values, consulted after the organization's (tests and single-tenant setups). */
  secrets?: SecretLookup;
  /** Lets HTTP servers on loopback/private/link-local addresses through the SSRF guard (local development). */
  allowPrivateUrls: boolean;
  /**
   * Commands a stdio MCP server may run. A stdio server executes a tenant-chosen command on the executor's
   * host, so none is allowed unless the operator lists it (or `'*'`, for a trusted single-tenant deployment).
   */
  stdioCommands?: readonly string[] | '*';
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
  /** A connection unused for this long is closed (default 10 minutes); 0 keeps it until `close`. */
  idleTimeoutMs?: number;
  logger?: Logger;
};

/** The agent fields the pool reads; `mcpServers` is the frontmatter's, parsed again here. */
export type McpAgent = Parameters<ToolSource['toolsFor']>[0];

/** A `ToolSource` over agents' MCP servers that keeps one connection per server definition. */
export type McpClientPool = ToolSource & {
  /** Closes every connection (ending stdio children); later calls fail with `mcp.closed`. */
  close(): Promise<void>;
};

type Owner = { agent: string; repository: string };

/**
 * Offers each MCP tool as `<server>.<tool>` to the agents whose frontmatter `tools` name it (or `<server>.*`).
 * Only servers the agent's `tools` refer to are started. A server that cannot be reached fails `toolsFor`,
 * so the step is retried rather than run without tools its author relied on.
 */
export const createMcpClientPool = (options: McpClientPoolOptions): McpClientPool => {
  const { logger } = options;
  const callTimeoutMs = options.callTimeoutMs ?? 60_000;
  const cache = createConnectionCache({
    idleTimeoutMs: options.idleTimeoutMs ?? 10 * 60_000,
    open: (server, onClose) =>
      openMcpConnection(server, { allowPrivateUrls: options.allowPrivateUrls, connectTimeoutMs: options.connectTimeoutMs ?? 15_000, logger, onClose }),
  });

  // A call whose session failed under it is retried once on a fresh one. That call may have reached the
  // server before the failure; MCP gives no way to ask, so a non-idempotent tool can run twice.
  const invoke = async (target: { key: string; server: ResolvedMcpServer; tool: string }, input: Parameters<Tool['invoke']>[0]) => {
    const { key, server, tool } = target;
    const { call, signal } = input;
    for (let attempt = 0; ; attempt++) {
      let used: McpConnection | undefined;
      try {
        const result = await cache.use({ key, server, signal }, (live) => {
          used = live;
          return live.call({ tool, args: call.arguments, signal, timeoutMs: callTimeoutMs });
        });
        return toolOutput(tool, result);
      } catch (error) {
        if (signal.aborted) throw signal.reason ?? error;
        if (attempt > 0 || !used || !(isTransportFailure(error) || !used.isOpen())) throw error;
        logger?.warn({ mcpServer: server.name, tool }, 'mcp session failed; reconnecting once');
        await cache.drop(key, used);
      }
    }
  };

  const asTool = (key: string, server: ResolvedMcpServer, tool: McpTool): Tool => ({
    name: qualifiedToolName(server.name, tool.name),
    description: tool.description ?? tool.title ?? '',
    inputSchema: tool.inputSchema,
    invoke: (input) => invoke({ key, server, tool: tool.name }, input),
  });

  const toolsOfServer = async (owner: Owner, server: ResolvedMcpServer, signal: AbortSignal): Promise<Tool[]> => {
    const key = connectionKey(owner, server);
    const listed = await cache.use({ key, server, signal }, async (live) => live.tools);
    const offered = server.tools ? listed.filter((t) => server.tools?.includes(t.name)) : listed;
    return offered.map((tool) => asTool(key, server, tool));
  };

  const toolsFor = async (agent: McpAgent, signal: AbortSignal): Promise<ReadonlyMap<string, Tool>> => {
    const owner: Owner = { agent: agent.name, repository: agent.repository };
    const definitions = parseMcpServers(agent.mcpServers, agent.name);
    const used = new Set(referencedServers(agent.tools, Object.keys(definitions)));
    // Opened only when a server is used; a tenant's secrets are never looked up for another's agent.
    const orgValues = used.size > 0 && agent.orgId && options.orgSecrets ? await options.orgSecrets(agent.orgId) : undefined;
    // Every `${VAR}` is resolved before anything starts, so a missing secret spawns nothing.
    const servers = Object.entries(definitions)
      .filter(([name]) => used.has(name))
      .map(([name, definition]) => resolveMcpServer(name, definition, (variable) => orgValues?.get(variable) ?? options.secrets?.(variable, owner)));
    for (const server of servers) assertStdioAllowed(server, options.stdioCommands ?? []);
    const tools = (await Promise.all(servers.map((server) => toolsOfServer(owner, server, signal)))).flat();
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    const allowed = new Set(allowedTools(agent.tools, byName.keys()));
    const unknown = agent.tools.filter((t) => !t.endsWith('.*') && used.has(t.split('.')[0] ?? '') && !allowed.has(t));
    if (unknown.length > 0) logger?.warn({ agent: agent.name, tools: unknown }, 'agent names MCP tools its servers do not offer');
    return new Map([...byName].filter(([name]) => allowed.has(name)));
  };

  return { toolsFor, close: () => cache.close() };
};

const assertStdioAllowed = (server: ResolvedMcpServer, allowed: readonly string[] | '*'): void => {
  if (server.kind !== 'stdio' || allowed === '*' || allowed.includes(server.command)) return;
  throw new McpToolsError('mcp.stdio_refused', `MCP server ${server.name}: stdio command ${server.command} is not allowed on this platform (MCP_STDIO_COMMANDS)`);
};
