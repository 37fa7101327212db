import { describe, expect, it } from 'vitest';
import type { LlmRequest } from './llm-provider.js';
import { hashLlmRequest } from './request-hash.js';

const request: LlmRequest = {
  model: 'gpt-4o',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'search', arguments: { q: 'x', limit: 3 } }] },
    { role: 'tool', toolCallId: 'c1', name: 'search', content: 'found' },
  ],
  tools: [{ name: 'search', description: 'Search', inputSchema: { type: 'object', properties: { q: { type: 'string' } } } }],
  temperature: 0.2,
  agent: { name: 'Assistant', repository: '/repo' },
};

describe('hashLlmRequest', () => {
  it('is a hex SHA-256', () => {
    expect(hashLlmRequest(request)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is stable when object keys are ordered differently', () => {
    const reordered: LlmRequest = {
      agent: { repository: '/repo', name: 'Assistant' },
      temperature: 0.2,
      tools: [{ inputSchema: { properties: { q: { type: 'string' } }, type: 'object' }, description: 'Search', name: 'search' }],
      messages: [
        { content: 'Be brief.', role: 'system' },
        { content: 'Hi', role: 'user' },
        { toolCalls: [{ arguments: { limit: 3, q: 'x' }, name: 'search', id: 'c1' }], content: null, role: 'assistant' },
        { content: 'found', name: 'search', toolCallId: 'c1', role: 'tool' },
      ],
      model: 'gpt-4o',
    };
    expect(hashLlmRequest(reordered)).toBe(hashLlmRequest(request));
  });

  it('ignores where the agent lives', () => {
    expect(hashLlmRequest({ ...request, agent: { name: 'Other', repository: '/elsewhere' } })).toBe(hashLlmRequest(request));
  });

  it('treats an absent and an undefined option alike', () => {
    expect(hashLlmRequest({ ...request, maxTokens: undefined })).toBe(hashLlmRequest(request));
  });

  it('changes when the temperature changes', () => {
    expect(hashLlmRequest({ ...request, temperature: 0.3 })).not.toBe(hashLlmRequest(request));
  });

  it('changes when message order changes', () => {
    const [system, user, ...rest] = request.messages;
    const swapped = { ...request, messages: [user!, system!, ...rest] };
    expect(hashLlmRequest(swapped)).not.toBe(hashLlmRequest(request));
  });
});
