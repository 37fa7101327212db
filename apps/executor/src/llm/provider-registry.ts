import { LlmError, type LlmProvider } from './llm-provider.js';

/** Maps model names to providers: `pattern` is an exact model name or a prefix ending in `*` (`ollama/*`). */
export type ProviderRoute = { pattern: string; provider: string };

export type ProviderRegistry = { resolve(model: string): LlmProvider };

type CompiledRoute = { exact: boolean; text: string; provider: LlmProvider };

const compile = (route: ProviderRoute, providers: Record<string, LlmProvider>): CompiledRoute => {
  const provider = providers[route.provider];
  // Checked when wiring, so a typo in configuration fails at start-up rather than on the first step.
  if (provider === undefined) {
    throw new LlmError('llm.bad_request', `route "${route.pattern}" names unknown provider "${route.provider}"`);
  }
  const exact = !route.pattern.endsWith('*');
  return { exact, text: exact ? route.pattern : route.pattern.slice(0, -1), provider };
};

/**
 * Chooses a provider per model. An exact route wins over any prefix; among prefixes the longest wins, so
 * `gpt-4o*` can override `gpt-*` regardless of the order routes are listed in.
 */
export const createProviderRegistry = (
  providers: Record<string, LlmProvider>,
  routes: ProviderRoute[],
): ProviderRegistry => {
  const compiled = routes.map((route) => compile(route, providers));
  // Reversed so that, for a pattern listed twice, the first listing wins (Map keeps the last write).
  const exact = new Map(compiled.filter((r) => r.exact).map((r) => [r.text, r.provider] as const).reverse());
  const prefixes = compiled.filter((r) => !r.exact).sort((a, b) => b.text.length - a.text.length);
  return {
    resolve: (model) => {
      const provider = exact.get(model) ?? prefixes.find((r) => model.startsWith(r.text))?.provider;
      if (provider === undefined) throw new LlmError('llm.bad_request', `no provider is configured for model "${model}"`);
      return provider;
    },
  };
};
