import { describe, expect, it } from 'vitest';
import { AgentDefinitionError } from './agent-definition.error.js';
import { parseAgentFile } from './parse-agent.js';

const agentFile = (frontmatter: string, body = 'You are helpful.'): string => `---\n${frontmatter}\n---\n\n${body}\n`;

const parseError = (path: string, text: string): AgentDefinitionError => {
  try {
    parseAgentFile({ path, text });
  } catch (error) {
    if (error instanceof AgentDefinitionError) return error;
    throw error;
  }
  throw new Error('expected parseAgentFile to throw');
};

describe('parseAgentFile', () => {
  it('parses a valid agent with the body as system prompt', () => {
    const text = agentFile('name: Assistant\nmodel: scripted\ntemperature: 0.2\ntags: [demo]', '  Be brief.\n\nBe kind.  ');
    expect(parseAgentFile({ path: 'Assistant.md', text })).toMatchObject({
      name: 'Assistant',
      model: 'scripted',
      temperature: 0.2,
      tags: ['demo'],
      maxIterations: 10,
      systemPrompt: 'Be brief.\n\nBe kind.',
      path: 'Assistant.md',
    });
  });

  it('accepts CRLF line endings', () => {
    const text = '---\r\nname: A\r\nmodel: scripted\r\n---\r\nHi\r\n';
    expect(parseAgentFile({ path: 'A.md', text }).systemPrompt).toBe('Hi');
  });

  it('rejects a file without frontmatter', () => {
    const error = parseError('A.md', '# Just a document\n');
    expect(error).toMatchObject({ code: 'agent.no_frontmatter', file: 'A.md', line: 1 });
  });

  it('rejects frontmatter that is never closed', () => {
    expect(parseError('A.md', '---\nname: A\nmodel: x\n')).toMatchObject({ code: 'agent.no_frontmatter' });
  });

  it('reports a YAML syntax error at its line in the file', () => {
    const error = parseError('A.md', agentFile('name: A\nmodel: x\ntags: [a, b\ndescription: oops'));
    expect(error.code).toBe('agent.yaml_syntax');
    expect(error.line).toBeGreaterThanOrEqual(5);
    expect(error.message).toMatch(new RegExp(`^A\\.md:${error.line}: `));
  });

  it('reports a bad indentation at the exact file line', () => {
    const error = parseError('A.md', agentFile('name: A\nmodel: x\n  bad: indent'));
    expect(error).toMatchObject({ code: 'agent.yaml_syntax', line: 4 });
  });

  it('reports an unknown field with its line and name', () => {
    const error = parseError('A.md', agentFile('name: A\nmodel: x\ntemprature: 0.5'));
    expect(error).toMatchObject({ code: 'agent.invalid_field', field: 'temprature', line: 4 });
    expect(error.message).toBe('A.md:4: temprature: unknown field');
  });

  it('reports a temperature of the wrong type', () => {
    const error = parseError('A.md', agentFile('name: A\nmodel: x\ndescription: d\ntemperature: warm'));
    expect(error).toMatchObject({ code: 'agent.invalid_field', field: 'temperature', line: 5 });
    expect(error.message).toMatch(/^A\.md:5: temperature: .*number/);
  });

  it('reports a temperature out of range', () => {
    expect(parseError('A.md', agentFile('name: A\nmodel: x\ntemperature: 3'))).toMatchObject({ field: 'temperature' });
  });

  it('reports a missing required field at the frontmatter start', () => {
    const error = parseError('A.md', agentFile('name: A'));
    expect(error).toMatchObject({ code: 'agent.invalid_field', field: 'model', line: 1 });
    expect(error.message).toBe('A.md:1: model: is required');
  });

  it('reports a nested field at its top-level key', () => {
    const error = parseError('A.md', agentFile('name: A\nmodel: x\nmcp_servers:\n  fs:\n    args: [a]'));
    expect(error).toMatchObject({ code: 'agent.invalid_field', line: 4 });
    expect(error.field).toMatch(/^mcpServers\.fs/);
  });

  it('accepts the older snake_case names', () => {
    const text = agentFile(
      'name: A\nmodel: x\nmax_tokens: 512\nmax_iterations: 3\nallowed_agents: [B]\ncontext_scope: isolated\nmcp_servers:\n  fs: { command: mcp-fs }',
    );
    expect(parseAgentFile({ path: 'A.md', text })).toMatchObject({
      maxTokens: 512,
      maxIterations: 3,
      allowedAgents: ['B'],
      contextScope: 'isolated',
      mcpServers: { fs: { command: 'mcp-fs' } },
    });
  });

  it.each(['system', 'Admin', 'ROOT', 'internal'])('rejects the reserved name %s', (name) => {
    const error = parseError(`${name}.md`, agentFile(`model: x\nname: ${name}`));
    expect(error).toMatchObject({ code: 'agent.invalid_field', field: 'name', line: 3 });
  });

  it('rejects a name that differs from the file name', () => {
    const error = parseError('team/Writer.md', agentFile('name: Editor\nmodel: x'));
    expect(error).toMatchObject({ code: 'agent.name_mismatch', field: 'name', line: 2 });
  });

  it('takes the expected name from the folder for agent.md and prompt.md', () => {
    const text = agentFile('name: Writer\nmodel: x');
    expect(parseAgentFile({ path: 'Writer/agent.md', text }).name).toBe('Writer');
    expect(parseError('Other/prompt.md', text).code).toBe('agent.name_mismatch');
  });

  it('rejects frontmatter that is not a mapping', () => {
    expect(parseError('A.md', agentFile('- just\n- a list'))).toMatchObject({ code: 'agent.invalid_field', line: 1 });
  });
});
