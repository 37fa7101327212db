import { describe, expect, it } from 'vitest';
import { toolOutput } from './mcp-result.js';
import { McpToolsError } from './mcp-tools.error.js';

describe('toolOutput', () => {
  it('prefers structured content', () => {
    expect(toolOutput('add', { content: [{ type: 'text', text: '5' }], structuredContent: { sum: 5 } })).toEqual({ sum: 5 });
  });

  it('joins text content', () => {
    expect(toolOutput('echo', { content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] })).toBe('a\nb');
  });

  it('summarises content that is not text instead of passing its bytes on', () => {
    const output = toolOutput('shot', {
      content: [
        { type: 'text', text: 'here it is' },
        { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' },
        { type: 'resource_link', uri: 'file:///report.pdf', name: 'report', mimeType: 'application/pdf' },
      ],
    });
    expect(output).toEqual({
      text: 'here it is',
      content: [
        { type: 'image', mimeType: 'image/png' },
        { type: 'resource_link', uri: 'file:///report.pdf', mimeType: 'application/pdf' },
      ],
    });
  });

  it('throws the server text of an isError result', () => {
    const fail = () => toolOutput('fail', { content: [{ type: 'text', text: 'no such repo' }], isError: true });
    expect(fail).toThrow(McpToolsError);
    expect(fail).toThrow('no such repo');
  });
});
