import { describe, expect, it } from 'vitest';
import { LlmError, type LlmProvider } from './llm-provider.js';
import { createModelRoutes } from './model-routes.js';
import { createProviderRegistry } from './provider-registry.js';

const scripted: LlmProvider = { name: 'scripted', complete: () => Promise.reject(new LlmError('llm.script', 'unused')) };
const registryFor = (config: Parameters<typeof createModelRoutes>[0]) => {
  const { providers, routes } = createModelRoutes(config);
  return createProviderRegistry(providers, routes);
};
const everything = registryFor({
  scripted,
  openai: { apiKey: 'sk-openai' },
  anthropic: { apiKey: 'sk-ant' },
  ollama: {},
});

describe('createModelRoutes', () => {
  it.each([
    ['scripted', 'scripted'],
    ['scripted-slow', 'scripted'],
    ['gpt-4o-mini', 'openai'],
    ['o1-preview', 'openai'],
    ['o3-mini', 'openai'],
    ['o4-mini', 'openai'],
    ['openai/gpt-4.1', 'openai'],
    ['claude-sonnet-4-5', 'anthropic'],
    ['anthropic/claude-opus-4-1', 'anthropic'],
    ['ollama/llama3.2', 'ollama'],
  ])('routes %s to %s', (model, provider) => {
    expect(everything.resolve(model).name).toBe(provider);
  });

  it('registers nothing for an absent section, so its models fail with the registry error naming them', () => {
    const registry = registryFor({ scripted, ollama: {} });
    expect(() => registry.resolve('claude-sonnet-4-5')).toThrow(
      expect.objectContaining({ code: 'llm.bad_request', message: expect.stringContaining('"claude-sonnet-4-5"') }),
    );
    expect(() => registry.resolve('gpt-4o')).toThrow(LlmError);
    expect(Object.keys(createModelRoutes({ scripted, ollama: {} }).providers).sort()).toEqual(['ollama', 'scripted']);
  });

  it('lets extra routes send other models to a configured provider', () => {
    const registry = registryFor({ ollama: {}, openai: { apiKey: 'k' }, extraRoutes: [{ pattern: 'llama*', provider: 'ollama' }, { pattern: 'gpt-oss*', provider: 'ollama' }] });
    expect(registry.resolve('llama3.2').name).toBe('ollama');
    expect(registry.resolve('gpt-oss-20b').name).toBe('ollama');
    expect(registry.resolve('gpt-4o').name).toBe('openai');
  });

  it('fails at wiring time when an extra route names an unconfigured provider', () => {
    expect(() => registryFor({ extraRoutes: [{ pattern: 'llama*', provider: 'ollama' }] })).toThrow(/unknown provider "ollama"/);
  });
});
