import { describe, expect, it } from 'vitest';
import { AgentFrontmatter, agentFrontmatterJsonSchema } from './frontmatter.schema.js';

describe('AgentFrontmatter', () => {
  it('applies defaults to a minimal frontmatter', () => {
    expect(AgentFrontmatter.parse({ name: 'Assistant', model: 'scripted' })).toEqual({
      name: 'Assistant',
      model: 'scripted',
      description: '',
      maxIterations: 10,
      exposed: true,
      tags: [],
      tools: [],
      allowedAgents: [],
      contextScope: 'full',
    });
  });

  it('accepts stdio and http MCP servers', () => {
    const parsed = AgentFrontmatter.parse({
      name: 'Ops',
      model: 'gpt-4o',
      mcpServers: {
        files: { command: 'npx', args: ['-y', 'server-fs'], env: { ROOT: '/tmp' } },
        search: { url: 'https://mcp.example.com', headers: { Authorization: 'Bearer ${SEARCH_TOKEN}' }, tools: ['q'] },
      },
    });
    expect(Object.keys(parsed.mcpServers ?? {})).toEqual(['files', 'search']);
  });

  it('rejects an MCP server that is neither stdio nor http', () => {
    expect(AgentFrontmatter.safeParse({ name: 'Ops', model: 'x', mcpServers: { bad: { port: 1 } } }).success).toBe(false);
  });

  it('normalises snake_case aliases', () => {
    const parsed = AgentFrontmatter.parse({ name: 'A', model: 'x', max_tokens: 100, context_scope: 'isolated' });
    expect(parsed).toMatchObject({ maxTokens: 100, contextScope: 'isolated' });
  });

  it('rejects an alias written next to its camelCase key', () => {
    expect(AgentFrontmatter.safeParse({ name: 'A', model: 'x', maxTokens: 1, max_tokens: 2 }).success).toBe(false);
  });
});

describe('agentFrontmatterJsonSchema', () => {
  it('describes the fields for editors', () => {
    const schema = agentFrontmatterJsonSchema();
    expect(schema).toMatchObject({ type: 'object', properties: { name: { type: 'string' } } });
    expect(schema['required']).toEqual(['name', 'model']);
  });
});
