import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, type CallToolResult, type Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import { assertPublicUrl, UrlRefusedError, type Logger } from '@shaman/platform';
import type { ResolvedMcpServer } from './mcp-server-config.js';
import { McpToolsError } from './mcp-tools.error.js';

/** One live session with one MCP server, and the tools it listed when it opened. */
export type McpConnection = {
  readonly tools: readonly McpTool[];
  isOpen(): boolean;
  call(input: { tool: string; args: Record<string, unknown>; signal: AbortSignal; timeoutMs: number }): Promise<CallToolResult>;
  close(): Promise<void>;
};

export type OpenOptions = {
  allowPrivateUrls: boolean;
  connectTimeoutMs: number;
  logger: Logger | undefined;
  /** Called once when the session ends for any reason (child exited, pool closed it). */
  onClose: () => void;
};

const CLIENT_INFO = { name: 'shaman-executor', version: '0.1.0' };
// A server that keeps handing out cursors is broken; stop rather than page forever.
const MAX_TOOL_PAGES = 50;
const SESSION_END_TIMEOUT_MS = 2_000;

/** Errors after which the session is gone or was never reached; anything else is the server's answer. */
export const isTransportFailure = (error: unknown): boolean =>
  (error instanceof McpError && error.code === Number(ErrorCode.ConnectionClosed)) ||
  error instanceof StreamableHTTPError ||
  (error instanceof Error && error.message === 'Not connected') ||
  (error instanceof TypeError && error.message === 'fetch failed');

const stdioTransport = (server: Extract<ResolvedMcpServer, { kind: 'stdio' }>, options: OpenOptions): StdioClientTransport => {
  // The SDK adds only HOME, LOGNAME, PATH, SHELL, TERM and USER from our environment (getDefaultEnvironment),
  // never the rest of it: the executor's environment holds its own secrets.
  const transport = new StdioClientTransport({ command: server.command, args: server.args, env: server.env, stderr: 'pipe' });
  // Drained so a chatty server never blocks on a full pipe; at debug level because it may be noisy.
  transport.stderr?.on('data', (chunk: Buffer) => options.logger?.debug({ mcpServer: server.name, stderr: chunk.toString('utf8', 0, 2_000) }, 'mcp server stderr'));
  return transport;
};

type HttpServer = Extract<ResolvedMcpServer, { kind: 'http' }>;

const httpTransport = async (server: HttpServer, options: OpenOptions, legacy: boolean): Promise<StreamableHTTPClientTransport | SSEClientTransport> => {
  const allowPrivate = options.allowPrivateUrls;
  const url = await assertPublicUrl(server.url, { allowPrivate });
  // Checked again on every request, so a name that later resolves to a private address is refused then too.
  const guarded: FetchLike = async (target, init) => (await assertPublicUrl(target, { allowPrivate }), fetch(target, init));
  const transportOptions = { requestInit: { headers: server.headers }, fetch: allowPrivate ? undefined : guarded };
  return legacy ? new SSEClientTransport(url, transportOptions) : new StreamableHTTPClientTransport(url, transportOptions);
};

/**
 * The MCP spec's backwards-compatibility rule: a server that answers the Streamable HTTP handshake with a
 * 4xx (405, 404, …) may be an older HTTP+SSE server, so try that transport at the same URL. 401/403 are
 * answers about credentials, not about the transport.
 */
const isLegacyHttpServer = (error: unknown): boolean =>
  error instanceof StreamableHTTPError && error.code !== undefined && error.code >= 400 && error.code < 500 && error.code !== 401 && error.code !== 403;

const connectHttp = async (server: HttpServer, options: OpenOptions) => {
  const streamable = await httpTransport(server, options, false);
  try {
    return { transport: streamable, connected: await connectClient(server, streamable, options) };
  } catch (error) {
    if (!isLegacyHttpServer(error)) throw error;
    options.logger?.info({ mcpServer: server.name }, 'mcp server does not speak Streamable HTTP; falling back to HTTP+SSE');
    const sse = await httpTransport(server, options, true);
    return { transport: sse, connected: await connectClient(server, sse, options) };
  }
};

const listAllTools = async (client: Client, timeoutMs: number): Promise<McpTool[]> => {
  const tools: McpTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const result = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout: timeoutMs });
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (cursor === undefined) return tools;
  }
  throw new Error(`tools/list returned more than ${MAX_TOOL_PAGES} pages`);
};

const withTimeout = (work: Promise<unknown>, ms: number): Promise<unknown> =>
  Promise.race([work, new Promise((resolve) => setTimeout(resolve, ms).unref())]);

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Calls `tool` with a signal of its own, so a long-lived caller signal does not collect one listener per call. */
const callWith = async (client: Client, input: Parameters<McpConnection['call']>[0]): Promise<CallToolResult> => {
  const controller = new AbortController();
  const forward = () => controller.abort(input.signal.reason);
  input.signal.addEventListener('abort', forward, { once: true });
  try {
    input.signal.throwIfAborted();
    return (await client.callTool({ name: input.tool, arguments: input.args }, undefined, {
      signal: controller.signal,
      timeout: input.timeoutMs,
    })) as CallToolResult;
  } finally {
    input.signal.removeEventListener('abort', forward);
  }
};

const connectClient = async (server: ResolvedMcpServer, transport: Transport, options: OpenOptions) => {
  const client = new Client(CLIENT_INFO);
  let open = true;
  client.onclose = () => {
    open = false;
    options.onClose();
  };
  client.onerror = (error) => options.logger?.debug({ mcpServer: server.name, err: messageOf(error) }, 'mcp transport error');
  try {
    await client.connect(transport, { timeout: options.connectTimeoutMs });
    return { client, tools: await listAllTools(client, options.connectTimeoutMs), isOpen: () => open };
  } catch (error) {
    await client.close().catch(() => undefined); // ends the child, if one started
    throw error;
  }
};

/** Connects to one MCP server and lists its tools. Throws `McpToolsError` naming the server. */
export const openMcpConnection = async (server: ResolvedMcpServer, options: OpenOptions): Promise<McpConnection> => {
  let transport: StdioClientTransport | StreamableHTTPClientTransport | SSEClientTransport;
  let connected: Awaited<ReturnType<typeof connectClient>>;
  try {
    if (server.kind === 'stdio') {
      transport = stdioTransport(server, options);
      connected = await connectClient(server, transport, options);
    } else {
      ({ transport, connected } = await connectHttp(server, options));
    }
  } catch (error) {
    const code = error instanceof UrlRefusedError ? 'mcp.url_refused' : 'mcp.connect_failed';
    throw new McpToolsError(code, `MCP server "${server.name}": cannot connect: ${messageOf(error)}`, { cause: error });
  }
  const { client, tools, isOpen } = connected;
  const pid = transport instanceof StdioClientTransport ? transport.pid : null;
  options.logger?.debug({ mcpServer: server.name, kind: server.kind, pid, tools: tools.length }, 'mcp server connected');
  return {
    tools,
    isOpen,
    call: (input) => callWith(client, input),
    close: async () => {
      // Ends an HTTP session politely (a stateful server frees it); a server that does not answer is not waited for.
      if (transport instanceof StreamableHTTPClientTransport) await withTimeout(transport.terminateSession().catch(() => undefined), SESSION_END_TIMEOUT_MS);
      await client.close();
    },
  };
};
