import { describe, expect, it } from 'vitest';
import { connectionKey, parseMcpServers, resolveMcpServer } from './mcp-server-config.js';
import { McpToolsError } from './mcp-tools.error.js';

const secrets: Record<string, string> = { TOKEN: 's3cret-value', HOST: 'mcp.example.com', BIN: 'mcp-server' };
const lookup = (name: string) => secrets[name];
const owner = { repository: 'repo', agent: 'Tester' };

const errorOf = (run: () => unknown): McpToolsError => {
  try {
    run();
  } catch (error) {
    if (error instanceof McpToolsError) return error;
    throw error;
  }
  throw new Error('expected an McpToolsError');
};

describe('resolveMcpServer', () => {
  it('interpolates ${VAR} in command, args and env values of a stdio server', () => {
    const server = resolveMcpServer('gh', { command: '/opt/${BIN}', args: ['--token', '${TOKEN}'], env: { GH_TOKEN: 'Bearer ${TOKEN}', PLAIN: '$TOKEN' } }, lookup);
    expect(server).toEqual({
      name: 'gh',
      tools: undefined,
      kind: 'stdio',
      command: '/opt/mcp-server',
      args: ['--token', 's3cret-value'],
      env: { GH_TOKEN: 'Bearer s3cret-value', PLAIN: '$TOKEN' },
    });
  });

  it('interpolates url and header values of an http server', () => {
    const server = resolveMcpServer('remote', { url: 'https://${HOST}/mcp', headers: { authorization: 'Bearer ${TOKEN}' }, tools: ['echo'] }, lookup);
    expect(server).toEqual({ name: 'remote', tools: ['echo'], kind: 'http', url: 'https://mcp.example.com/mcp', headers: { authorization: 'Bearer s3cret-value' } });
  });

  it('names the server, field and variable of a missing secret, never a value', () => {
    const error = errorOf(() => resolveMcpServer('gh', { command: 'x', env: { A: '${TOKEN}', B: '${TOKEN}-${MISSING}' } }, lookup));
    expect(error.code).toBe('mcp.missing_secret');
    expect(error.message).toBe('MCP server "gh": env.B references ${MISSING}, which is not set');
    expect(error.message).not.toContain('s3cret');
  });

  it('reports missing variables in args and headers by position and name', () => {
    expect(errorOf(() => resolveMcpServer('s', { command: 'x', args: ['a', '${NOPE}'] }, lookup)).message).toContain('args[1] references ${NOPE}');
    expect(errorOf(() => resolveMcpServer('h', { url: 'https://x', headers: { 'x-key': '${NOPE}' } }, lookup)).message).toContain('headers.x-key references ${NOPE}');
  });
});

describe('parseMcpServers', () => {
  it('accepts no servers', () => {
    expect(parseMcpServers(undefined, 'Tester')).toEqual({});
  });

  it('refuses a server name with a dot, which would make tool names ambiguous', () => {
    expect(errorOf(() => parseMcpServers({ 'a.b': { command: 'x' } }, 'Tester')).code).toBe('mcp.invalid_config');
  });

  it('refuses a definition that is neither stdio nor http', () => {
    const error = errorOf(() => parseMcpServers({ broken: { args: ['x'] } }, 'Tester'));
    expect(error.message).toContain('agent "Tester": mcpServers.broken');
  });
});

describe('connectionKey', () => {
  const resolved = resolveMcpServer('gh', { command: 'mcp', env: { T: '${TOKEN}' } }, lookup);
  if (resolved.kind !== 'stdio') throw new Error('expected a stdio server');
  const server = resolved;

  it('is the same for the same definition whatever its key order', () => {
    const reordered = { ...server, env: { ...server.env }, args: [...server.args] };
    expect(connectionKey(owner, reordered)).toBe(connectionKey(owner, server));
  });

  it('changes when the definition, a secret, the agent or the repository changes', () => {
    const keys = new Set([
      connectionKey(owner, server),
      connectionKey(owner, { ...server, args: ['--verbose'] }),
      connectionKey(owner, resolveMcpServer('gh', { command: 'mcp', env: { T: '${TOKEN}' } }, () => 'rotated')),
      connectionKey({ ...owner, agent: 'Other' }, server),
      connectionKey({ ...owner, repository: 'other' }, server),
    ]);
    expect(keys.size).toBe(5);
  });

  it('does not contain the secret', () => {
    expect(connectionKey(owner, server)).not.toContain('s3cret');
  });
});
