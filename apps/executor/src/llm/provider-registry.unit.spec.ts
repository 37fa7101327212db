import { describe, expect, it } from 'vitest';
import { LlmError, type LlmProvider } from './llm-provider.js';
import { createProviderRegistry } from './provider-registry.js';

const fake = (name: string): LlmProvider => ({
  name,
  complete: () => Promise.reject(new LlmError('llm.unavailable', 'fake')),
});
const providers = { scripted: fake('scripted'), openai: fake('openai'), anthropic: fake('anthropic'), ollama: fake('ollama') };
const registry = createProviderRegistry(providers, [
  { pattern: 'scripted*', provider: 'scripted' },
  { pattern: 'gpt-*', provider: 'openai' },
  { pattern: 'gpt-4o-local', provider: 'ollama' },
  { pattern: 'claude-*', provider: 'anthropic' },
  { pattern: 'ollama/*', provider: 'ollama' },
]);

describe('createProviderRegistry', () => {
  it.each([
    ['scripted', 'scripted'],
    ['scripted-slow', 'scripted'],
    ['gpt-4o', 'openai'],
    ['claude-3-5-sonnet', 'anthropic'],
    ['ollama/llama3', 'ollama'],
  ])('routes %s to %s', (model, provider) => {
    expect(registry.resolve(model).name).toBe(provider);
  });

  it('prefers an exact route over a prefix', () => {
    expect(registry.resolve('gpt-4o-local').name).toBe('ollama');
  });

  it('prefers the longest prefix whatever the order', () => {
    const routes = [
      { pattern: 'gpt-*', provider: 'openai' },
      { pattern: 'gpt-4o*', provider: 'ollama' },
    ];
    expect(createProviderRegistry(providers, routes).resolve('gpt-4o-mini').name).toBe('ollama');
    expect(createProviderRegistry(providers, routes.reverse()).resolve('gpt-4o-mini').name).toBe('ollama');
  });

  it('rejects an unknown model, naming it', () => {
    expect(() => registry.resolve('mistral-large')).toThrow(LlmError);
    expect(() => registry.resolve('mistral-large')).toThrow(/mistral-large/);
    try {
      registry.resolve('mistral-large');
    } catch (error) {
      expect(error).toMatchObject({ code: 'llm.bad_request', retryable: false });
    }
  });

  it('rejects a route to an unknown provider when wiring', () => {
    expect(() => createProviderRegistry(providers, [{ pattern: 'x*', provider: 'nope' }])).toThrow(/nope/);
  });
});
