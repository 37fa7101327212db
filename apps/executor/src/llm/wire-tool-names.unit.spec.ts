import { describe, expect, it } from 'vitest';
import type { LlmProvider, LlmRequest } from './llm-provider.js';
import { toolNameCodec, withWireToolNames } from './wire-tool-names.js';

const tool = (name: string) => ({ name, description: '', inputSchema: { type: 'object' } });

describe('tool names on the wire', () => {
  it('keeps valid names and maps invalid ones to unique valid names and back', () => {
    const codec = toolNameCodec([tool('search'), tool('github.search'), tool('github_search'), tool('gitlab.search')]);
    expect(codec.toWire('search')).toBe('search');
    expect(codec.toWire('github_search')).toBe('github_search');
    const wired = ['github.search', 'gitlab.search'].map(codec.toWire);
    expect(new Set(wired).size).toBe(2);
    for (const w of wired) expect(w).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(codec.fromWire(codec.toWire('github.search'))).toBe('github.search');
    expect(codec.fromWire('unknown_tool')).toBe('unknown_tool');
  });

  it('rewrites offered tools and history on the way out, and the model\'s calls on the way back', async () => {
    let seen: LlmRequest | undefined;
    const inner: LlmProvider = {
      name: 'wire',
      complete: async (request) => {
        seen = request;
        return { content: null, toolCalls: [{ id: 'c2', name: request.tools[0]!.name, arguments: {} }], finishReason: 'tool_calls', usage: { inputTokens: 1, outputTokens: 1 } };
      },
    };
    const request: LlmRequest = {
      model: 'gpt-4o',
      tools: [tool('echo.add')],
      messages: [
        { role: 'user', content: 'add' },
        { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'echo.add', arguments: { a: 1 } }] },
        { role: 'tool', toolCallId: 'c1', name: 'echo.add', content: '2' },
      ],
      agent: { name: 'A', repository: '/r' },
    };
    const response = await withWireToolNames(inner).complete(request, { signal: new AbortController().signal });
    expect(JSON.stringify(seen)).not.toContain('echo.add');
    expect(response.toolCalls[0]?.name).toBe('echo.add');
  });
});
