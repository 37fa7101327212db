import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callToolActivity, type Tool } from '../activities/call-tool.activity.js';
import { createMcpClientPool, type McpAgent } from './mcp-client-pool.js';
import { McpToolsError } from './mcp-tools.error.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/echo-mcp-server.ts', import.meta.url));
const LEAK = 'SHAMAN_TOOLS_TEST_EXECUTOR_SECRET';
const secrets: Record<string, string> = { API_TOKEN: 's3cret' };

const stdioServer = (extra: { env?: Record<string, string>; tools?: string[] } = {}) => ({
  command: process.execPath,
  args: ['--import', 'tsx', FIXTURE, '--stdio'],
  env: { FIXTURE_TOKEN: 'token-${API_TOKEN}', ...extra.env },
  ...(extra.tools ? { tools: extra.tools } : {}),
});
const agent = (overrides: Partial<McpAgent> = {}): McpAgent => ({
  name: 'Tester',
  repository: 'repo-stdio',
  tools: ['echo.*'],
  mcpServers: { echo: stdioServer() },
  ...overrides,
});
const signal = new AbortController().signal;
let seq = 0;
// MCP tools ignore the step context; the type requires one.
const context = { orgId: 'o', runId: 'r', stepId: 's', agent: 'Tester', depth: 0, repository: '/repo' };
const run = (tool: Tool | undefined, args: Record<string, unknown> = {}, abort = signal) => {
  if (!tool) throw new Error('tool not offered');
  return tool.invoke({ call: { id: `call-${++seq}`, name: tool.name, arguments: args }, signal: abort, context });
};
const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const waitUntil = async (check: () => boolean, ms = 5_000): Promise<boolean> => {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return check();
};

const pool = createMcpClientPool({ secrets: (name) => secrets[name], allowPrivateUrls: false, stdioCommands: [process.execPath], connectTimeoutMs: 20_000, callTimeoutMs: 10_000 });
let tools: ReadonlyMap<string, Tool>;

beforeAll(async () => {
  process.env[LEAK] = 'executor-only';
  tools = await pool.toolsFor(agent(), signal);
});
afterAll(async () => {
  delete process.env[LEAK];
  await pool.close();
});

describe('MCP tools over stdio', () => {
  it('offers every tool of the server as <server>.<tool> with its schema', () => {
    expect([...tools.keys()].sort()).toEqual(['echo.add', 'echo.echo', 'echo.env', 'echo.fail', 'echo.pid', 'echo.slow']);
    const add = tools.get('echo.add');
    expect(add?.description).toBe('Adds two numbers.');
    expect(add?.inputSchema).toMatchObject({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] });
  });

  it('returns text, structured content, and throws the text of an isError result', async () => {
    expect(await run(tools.get('echo.echo'), { text: 'hello' })).toBe('hello');
    expect(await run(tools.get('echo.add'), { a: 2, b: 3 })).toEqual({ sum: 5 });
    await expect(run(tools.get('echo.fail'))).rejects.toThrow(new McpToolsError('mcp.tool_failed', 'the fixture failed on purpose'));
  });

  it('refuses a stdio command the operator did not allow, permanently, before starting anything', async () => {
    const strict = createMcpClientPool({ secrets: (name) => secrets[name], allowPrivateUrls: false });
    try {
      const error = await strict.toolsFor(agent(), signal).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(McpToolsError);
      expect(error).toMatchObject({ code: 'mcp.stdio_refused', permanent: true });
      expect((error as Error).message).toContain('MCP_STDIO_COMMANDS');
    } finally {
      await strict.close();
    }
  });

  it('hands a failing tool to the model as an isError observation through the executor activity', async () => {
    const result = await callToolActivity({ now: () => 0 })({ call: { id: 'c1', name: 'echo.fail', arguments: {} }, tools, signal, context });
    expect(result).toEqual({ output: { error: 'the fixture failed on purpose' }, isError: true, latencyMs: 0 });
  });

  it('filters by the server `tools` list and by the agent `tools` list', async () => {
    const byServer = await pool.toolsFor(agent({ mcpServers: { echo: stdioServer({ tools: ['echo', 'add'] }) } }), signal);
    expect([...byServer.keys()].sort()).toEqual(['echo.add', 'echo.echo']);
    const byAgent = await pool.toolsFor(agent({ tools: ['echo.echo', 'echo.missing', 'call_agent'] }), signal);
    expect([...byAgent.keys()]).toEqual(['echo.echo']);
  });

  it('starts no server the agent names no tool of', async () => {
    expect((await pool.toolsFor(agent({ tools: ['call_agent'], mcpServers: { echo: { command: '/nonexistent/mcp' } } }), signal)).size).toBe(0);
  });

  it('passes ${VAR} from the secrets into the child environment', async () => {
    expect(await run(tools.get('echo.env'), { name: 'FIXTURE_TOKEN' })).toBe('token-s3cret');
  });

  it('refuses a definition naming a missing variable, naming server, field and variable', async () => {
    const missing = agent({ mcpServers: { echo: stdioServer({ env: { OTHER: '${NOT_A_SECRET}' } }) } });
    const error: unknown = await pool.toolsFor(missing, signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpToolsError);
    expect((error as McpToolsError).code).toBe('mcp.missing_secret');
    expect((error as McpToolsError).message).toBe('MCP server "echo": env.OTHER references ${NOT_A_SECRET}, which is not set');
  });

  it('does not let the child inherit the executor environment', async () => {
    expect(process.env[LEAK]).toBe('executor-only');
    expect(await run(tools.get('echo.env'), { name: LEAK })).toBe('(unset)');
    expect(await run(tools.get('echo.env'), { name: 'PATH' })).not.toBe('(unset)');
  });

  it('reuses one child process across calls and toolsFor lookups', async () => {
    const first = await run(tools.get('echo.pid'));
    const again = await pool.toolsFor(agent(), signal);
    expect(await run(again.get('echo.pid'))).toBe(first);
    expect(await run(tools.get('echo.pid'))).toBe(first);
  });

  it('starts one child for concurrent first lookups', async () => {
    const fresh = agent({ repository: 'repo-concurrent' });
    const [a, b] = await Promise.all([pool.toolsFor(fresh, signal), pool.toolsFor(fresh, signal)]);
    const pids = await Promise.all([run(a.get('echo.pid')), run(b.get('echo.pid'))]);
    expect(pids[0]).toBe(pids[1]);
    expect(pids[0]).not.toBe(await run(tools.get('echo.pid'))); // another repository, another child
  });

  it('closes a connection left idle and reconnects on the next call', async () => {
    const idle = createMcpClientPool({ secrets: (name) => secrets[name], allowPrivateUrls: false, stdioCommands: [process.execPath], connectTimeoutMs: 20_000, idleTimeoutMs: 500 });
    try {
      const pidTool = (await idle.toolsFor(agent({ tools: ['echo.pid'] }), signal)).get('echo.pid');
      const pid = Number(await run(pidTool));
      expect(await waitUntil(() => !isAlive(pid))).toBe(true);
      expect(Number(await run(pidTool))).not.toBe(pid);
    } finally {
      await idle.close();
    }
  });

  it('starts a new child when the definition changes', async () => {
    const edited = await pool.toolsFor(agent({ mcpServers: { echo: stdioServer({ env: { EXTRA: '1' } }) } }), signal);
    expect(await run(edited.get('echo.pid'))).not.toBe(await run(tools.get('echo.pid')));
  });

  it('aborts a slow call promptly and keeps the session usable', async () => {
    const pid = await run(tools.get('echo.pid'));
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('step canceled')), 100);
    await expect(run(tools.get('echo.slow'), { ms: 20_000 }, controller.signal)).rejects.toThrow('step canceled');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await run(tools.get('echo.pid'))).toBe(pid);
  });

  it('reconnects when the child dies', async () => {
    const pid = Number(await run(tools.get('echo.pid')));
    process.kill(pid, 'SIGKILL');
    expect(await waitUntil(() => !isAlive(pid))).toBe(true);
    expect(await run(tools.get('echo.echo'), { text: 'back' })).toBe('back');
    expect(Number(await run(tools.get('echo.pid')))).not.toBe(pid);
  });

  it('times a call out', async () => {
    const impatient = createMcpClientPool({ secrets: (name) => secrets[name], allowPrivateUrls: false, stdioCommands: [process.execPath], connectTimeoutMs: 20_000, callTimeoutMs: 300 });
    try {
      const slow = (await impatient.toolsFor(agent({ tools: ['echo.slow'] }), signal)).get('echo.slow');
      await expect(run(slow, { ms: 10_000 })).rejects.toThrow(/timed out/i);
    } finally {
      await impatient.close();
    }
  });

  it('ends its child processes on close', async () => {
    const own = createMcpClientPool({ secrets: (name) => secrets[name], allowPrivateUrls: false, stdioCommands: [process.execPath], connectTimeoutMs: 20_000 });
    const pid = Number(await run((await own.toolsFor(agent(), signal)).get('echo.pid')));
    expect(isAlive(pid)).toBe(true);
    await own.close();
    expect(await waitUntil(() => !isAlive(pid))).toBe(true);
    await expect(own.toolsFor(agent(), signal)).rejects.toMatchObject({ code: 'mcp.closed' });
  });
});
