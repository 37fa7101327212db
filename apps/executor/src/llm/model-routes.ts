import type { LlmProvider } from './llm-provider.js';
import type { ProviderRoute } from './provider-registry.js';
import { createAnthropicProvider } from './anthropic.provider.js';
import { createOpenAiCompatibleProvider } from './openai-compatible.provider.js';
import { withWireToolNames } from './wire-tool-names.js';

export type ModelRoutesConfig = {
  /** The offline provider behind `scripted*`; built by the caller because it needs the agents' file system. */
  scripted?: LlmProvider;
  /** `baseUrl` defaults to `https://api.openai.com/v1`. */
  openai?: { baseUrl?: string; apiKey: string };
  /** `baseUrl` defaults to `https://api.anthropic.com`. */
  anthropic?: { baseUrl?: string; apiKey: string };
  /** Ollama's OpenAI-compatible root, `http://127.0.0.1:11434/v1` by default (note the `/v1`). */
  ollama?: { baseUrl?: string };
  /** Listed before the defaults, so an extra route for the same pattern wins; longer prefixes win anyway. */
  extraRoutes?: ProviderRoute[];
  stream?: boolean;
  fetch?: typeof fetch;
};

export type ModelRoutes = { providers: Record<string, LlmProvider>; routes: ProviderRoute[] };

const routesTo = (provider: string, patterns: string[]): ProviderRoute[] => patterns.map((pattern) => ({ pattern, provider }));

const transport = (config: ModelRoutesConfig) => ({
  ...(config.stream === undefined ? {} : { stream: config.stream }),
  ...(config.fetch === undefined ? {} : { fetch: config.fetch }),
});

const openai = (config: NonNullable<ModelRoutesConfig['openai']>, shared: ModelRoutesConfig): LlmProvider =>
  createOpenAiCompatibleProvider({
    name: 'openai',
    baseUrl: config.baseUrl ?? 'https://api.openai.com/v1',
    apiKey: config.apiKey,
    modelPrefix: 'openai/',
    // OpenAI deprecated `max_tokens` and its o-series models reject it.
    maxTokensField: 'max_completion_tokens',
    ...transport(shared),
  });

/**
 * The providers and routes for a deployment's configuration. A provider whose section is absent is not
 * registered and neither are its default routes, so its models fail with the registry's `llm.bad_request`
 * naming the model, rather than with a connection error on every step.
 */
export const createModelRoutes = (config: ModelRoutesConfig): ModelRoutes => {
  const providers: Record<string, LlmProvider> = {};
  const routes: ProviderRoute[] = [...(config.extraRoutes ?? [])];
  if (config.scripted !== undefined) {
    providers['scripted'] = config.scripted;
    routes.push(...routesTo('scripted', ['scripted*']));
  }
  if (config.openai !== undefined) {
    providers['openai'] = withWireToolNames(openai(config.openai, config));
    routes.push(...routesTo('openai', ['gpt-*', 'o1*', 'o3*', 'o4*', 'openai/*']));
  }
  if (config.anthropic !== undefined) {
    const { baseUrl, apiKey } = config.anthropic;
    providers['anthropic'] = withWireToolNames(createAnthropicProvider({ apiKey, modelPrefix: 'anthropic/', ...(baseUrl === undefined ? {} : { baseUrl }), ...transport(config) }));
    routes.push(...routesTo('anthropic', ['claude-*', 'anthropic/*']));
  }
  if (config.ollama !== undefined) {
    const baseUrl = config.ollama.baseUrl ?? 'http://127.0.0.1:11434/v1';
    providers['ollama'] = withWireToolNames(createOpenAiCompatibleProvider({ name: 'ollama', baseUrl, modelPrefix: 'ollama/', ...transport(config) }));
    routes.push(...routesTo('ollama', ['ollama/*']));
  }
  return { providers, routes };
};
