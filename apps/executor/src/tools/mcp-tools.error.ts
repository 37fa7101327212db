/** Closed set of ways an agent's MCP tools fail to load or run. */
export type McpToolsErrorCode =
  | 'mcp.invalid_config'
  | 'mcp.missing_secret'
  | 'mcp.url_refused'
  | 'mcp.stdio_refused'
  | 'mcp.connect_failed'
  | 'mcp.tool_failed'
  | 'mcp.closed';

const PERMANENT: ReadonlySet<McpToolsErrorCode> = new Set(['mcp.invalid_config', 'mcp.missing_secret', 'mcp.url_refused', 'mcp.stdio_refused']);

/**
 * The one error the MCP tool source raises. Messages name the server (and field or variable) at fault and
 * never carry a secret's value. `mcp.tool_failed` is the server's own `isError` answer: the executor turns
 * it into an observation for the model.
 */
export class McpToolsError extends Error {
  override readonly name = 'McpToolsError';

  constructor(readonly code: McpToolsErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
  }

  /** A definition or policy problem that retrying cannot fix: the step fails at once instead of being redelivered. */
  get permanent(): boolean {
    return PERMANENT.has(this.code);
  }
}
