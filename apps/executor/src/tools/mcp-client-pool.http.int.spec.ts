import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tool } from '../activities/call-tool.activity.js';
import { startHttpMcpServer, startLegacySseMcpServer, type HttpMcpServer } from './fixtures/echo-mcp-server.js';
import { createMcpClientPool, type McpAgent } from './mcp-client-pool.js';
import { McpToolsError } from './mcp-tools.error.js';

const signal = new AbortController().signal;
let server: HttpMcpServer;
const secrets: Record<string, string> = { API_TOKEN: 'h77p-s3cret' };
const lookup = (name: string) => (name === 'MCP_PORT' ? String(server.port) : secrets[name]);

const agent = (overrides: Partial<McpAgent> = {}): McpAgent => ({
  name: 'Tester',
  repository: 'repo-http',
  tools: ['remote.*'],
  mcpServers: { remote: { url: 'http://127.0.0.1:${MCP_PORT}/mcp', headers: { authorization: 'Bearer ${API_TOKEN}' } } },
  ...overrides,
});
let seq = 0;
// MCP tools ignore the step context; the type requires one.
const context = { orgId: 'o', runId: 'r', stepId: 's', agent: 'Tester', depth: 0, repository: '/repo' };
const run = (tool: Tool | undefined, args: Record<string, unknown> = {}, abort = signal) => {
  if (!tool) throw new Error('tool not offered');
  return tool.invoke({ call: { id: `call-${++seq}`, name: tool.name, arguments: args }, signal: abort, context });
};

// Loopback is private: the tests' pool is configured as local development would be.
const pool = createMcpClientPool({ secrets: lookup, allowPrivateUrls: true, connectTimeoutMs: 10_000, callTimeoutMs: 10_000 });
let tools: ReadonlyMap<string, Tool>;

beforeAll(async () => {
  server = await startHttpMcpServer();
  tools = await pool.toolsFor(agent(), signal);
});
afterAll(async () => {
  await pool.close();
  await server.close();
});

describe('MCP tools over streamable HTTP', () => {
  it('offers the server tools as <server>.<tool>, filtered by the server `tools` list', async () => {
    expect([...tools.keys()].sort()).toEqual(['remote.add', 'remote.echo', 'remote.env', 'remote.fail', 'remote.pid', 'remote.slow']);
    const filtered = await pool.toolsFor(agent({ mcpServers: { remote: { url: server.url, tools: ['echo'] } } }), signal);
    expect([...filtered.keys()]).toEqual(['remote.echo']);
  });

  it('returns text, structured content, and throws the text of an isError result', async () => {
    expect(await run(tools.get('remote.echo'), { text: 'over http' })).toBe('over http');
    expect(await run(tools.get('remote.add'), { a: 40, b: 2 })).toEqual({ sum: 42 });
    await expect(run(tools.get('remote.fail'))).rejects.toThrow('the fixture failed on purpose');
  });

  it('sends the headers with ${VAR} interpolated', () => {
    // The `tools`-filtered definition in the first test has no headers; every other request carries it.
    const authorizations = new Set(server.requests.map((r) => r.headers.authorization));
    expect(authorizations).toEqual(new Set(['Bearer h77p-s3cret', undefined]));
  });

  it('aborts a slow call promptly', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('step canceled')), 100);
    await expect(run(tools.get('remote.slow'), { ms: 20_000 }, controller.signal)).rejects.toThrow('step canceled');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await run(tools.get('remote.echo'), { text: 'still here' })).toBe('still here');
  });

  it('reconnects once when the server restarted', async () => {
    await server.close();
    server = await startHttpMcpServer({ port: server.port });
    expect(await run(tools.get('remote.echo'), { text: 'after restart' })).toBe('after restart');
    expect(server.requests[0]).toMatchObject({ method: 'POST', headers: { authorization: 'Bearer h77p-s3cret' } });
    expect(server.requests[0]?.headers['mcp-session-id']).toBeUndefined(); // a new initialize
  });

  it('reconnects once when the server forgot the session', async () => {
    await server.forgetSessions();
    const before = server.requests.length;
    expect(await run(tools.get('remote.echo'), { text: 'new session' })).toBe('new session');
    const [stale, ...rest] = server.requests.slice(before);
    expect(stale?.headers['mcp-session-id']).toBeDefined(); // refused with 404
    expect(rest.some((r) => r.method === 'POST' && r.headers['mcp-session-id'] === undefined)).toBe(true); // initialize again
  });

  it('gives up after one reconnect when the server is gone', async () => {
    const gone = await startHttpMcpServer();
    const own = createMcpClientPool({ allowPrivateUrls: true, connectTimeoutMs: 5_000 });
    try {
      const echo = (await own.toolsFor(agent({ mcpServers: { remote: { url: gone.url } } }), signal)).get('remote.echo');
      await gone.close();
      await expect(run(echo, { text: 'anyone?' })).rejects.toMatchObject({ code: 'mcp.connect_failed', message: expect.stringContaining('MCP server "remote": cannot connect') });
    } finally {
      await own.close();
    }
  });

  it('falls back to the older HTTP+SSE transport when the server refuses Streamable HTTP', async () => {
    const legacy = await startLegacySseMcpServer();
    const own = createMcpClientPool({ allowPrivateUrls: true, connectTimeoutMs: 5_000, callTimeoutMs: 5_000 });
    try {
      const tools = await own.toolsFor(agent({ tools: ['old.*'], mcpServers: { old: { url: legacy.url } } }), signal);
      expect([...tools.keys()]).toContain('old.add');
      expect(await run(tools.get('old.add'), { a: 20, b: 22 })).toEqual({ sum: 42 });
      expect(await run(tools.get('old.echo'), { text: 'still here' })).toBe('still here');
    } finally {
      await own.close();
      await legacy.close();
    }
  });

  it('refuses a loopback server when private URLs are not allowed, before sending anything', async () => {
    const guarded = createMcpClientPool({ secrets: lookup, allowPrivateUrls: false, connectTimeoutMs: 5_000 });
    const before = server.requests.length;
    try {
      const error: unknown = await guarded.toolsFor(agent(), signal).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(McpToolsError);
      expect((error as McpToolsError).code).toBe('mcp.url_refused');
      expect((error as McpToolsError).message).toBe('MCP server "remote": cannot connect: refused host "127.0.0.1": is a loopback address');
      expect(server.requests.length).toBe(before);
    } finally {
      await guarded.close();
    }
  });

  it('names the server when a header variable is missing', async () => {
    const missing = agent({ mcpServers: { remote: { url: server.url, headers: { 'x-api-key': '${NO_SUCH_KEY}' } } } });
    await expect(pool.toolsFor(missing, signal)).rejects.toThrow('MCP server "remote": headers.x-api-key references ${NO_SUCH_KEY}, which is not set');
  });

  it('ends the session on close', async () => {
    const own = createMcpClientPool({ secrets: lookup, allowPrivateUrls: true, connectTimeoutMs: 5_000 });
    await run((await own.toolsFor(agent({ repository: 'repo-close' }), signal)).get('remote.echo'), { text: 'x' });
    await own.close();
    expect(server.requests.at(-1)?.method).toBe('DELETE');
  });
});
