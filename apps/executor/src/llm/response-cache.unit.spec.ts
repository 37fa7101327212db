import { describe, expect, it } from 'vitest';
import type { LlmRequest } from './llm-provider.js';
import { DEFAULT_BOUNDS, policyOf, responseCacheKey } from './response-cache.js';

const request: LlmRequest = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], tools: [], temperature: 0, agent: { name: 'A', repository: '/r' } };

describe('response cache key', () => {
  it('differs by organization, provider and request parameters', () => {
    const key = responseCacheKey({ orgId: 'org-a', provider: 'openai', request });
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(responseCacheKey({ orgId: 'org-b', provider: 'openai', request })).not.toBe(key);
    expect(responseCacheKey({ orgId: 'org-a', provider: 'other', request })).not.toBe(key);
    expect(responseCacheKey({ orgId: 'org-a', provider: 'openai', request: { ...request, temperature: 0.5 } })).not.toBe(key);
    expect(responseCacheKey({ orgId: 'org-a', provider: 'openai', request: { ...request, tools: [{ name: 't', description: '', inputSchema: {} }] } })).not.toBe(key);
  });

  it('ignores where the agent file lives (not part of what the model sees)', () => {
    expect(responseCacheKey({ orgId: 'o', provider: 'p', request: { ...request, agent: { name: 'B', repository: '/elsewhere' } } })).toBe(responseCacheKey({ orgId: 'o', provider: 'p', request }));
  });
});

describe('cache policy', () => {
  const org = { ttlSeconds: 300, maxEntries: 10, maxEntryBytes: 2048 };
  it('is off when neither the organization nor the agent turned it on', () => {
    expect(policyOf({ ...org, ttlSeconds: null }, undefined)).toBeNull();
    expect(policyOf(null, undefined)).toBeNull();
  });
  it("takes the organization's settings, and the agent's TTL over the organization's", () => {
    expect(policyOf(org, undefined)).toEqual(org);
    expect(policyOf(org, 60)).toEqual({ ...org, ttlSeconds: 60 });
    expect(policyOf(null, 60)).toEqual({ ttlSeconds: 60, ...DEFAULT_BOUNDS });
  });
});
