/**
 * Model prices, versioned: a `UsageRecorded` event carries the version it was priced with, so past costs never
 * change when prices do. Prices are micro-dollars per million tokens (USD list prices of the providers on the
 * table's date); the first matching pattern wins, so specific names come before families.
 */
export type ModelPrice = { pattern: string; inputPerMTok: number; outputPerMTok: number };
export type PriceTable = { version: string; prices: readonly ModelPrice[] };

const usd = (dollars: number): number => Math.round(dollars * 1_000_000);

export const PRICE_TABLE: PriceTable = {
  version: '2026-11-01',
  prices: [
    { pattern: 'scripted*', inputPerMTok: 0, outputPerMTok: 0 },
    { pattern: 'ollama/*', inputPerMTok: 0, outputPerMTok: 0 },
    { pattern: 'gpt-4o-mini*', inputPerMTok: usd(0.15), outputPerMTok: usd(0.6) },
    { pattern: 'gpt-4o*', inputPerMTok: usd(2.5), outputPerMTok: usd(10) },
    { pattern: 'gpt-4.1-mini*', inputPerMTok: usd(0.4), outputPerMTok: usd(1.6) },
    { pattern: 'gpt-4.1*', inputPerMTok: usd(2), outputPerMTok: usd(8) },
    { pattern: 'o3-mini*', inputPerMTok: usd(1.1), outputPerMTok: usd(4.4) },
    { pattern: 'o3*', inputPerMTok: usd(2), outputPerMTok: usd(8) },
    { pattern: 'claude-3-5-haiku*', inputPerMTok: usd(0.8), outputPerMTok: usd(4) },
    { pattern: 'claude-3-5-sonnet*', inputPerMTok: usd(3), outputPerMTok: usd(15) },
    { pattern: 'claude-sonnet-4*', inputPerMTok: usd(3), outputPerMTok: usd(15) },
    { pattern: 'claude-opus-4*', inputPerMTok: usd(15), outputPerMTok: usd(75) },
  ],
};

const matches = (pattern: string, model: string): boolean =>
  pattern.endsWith('*') ? model.startsWith(pattern.slice(0, -1)) : pattern === model;

export type Priced = { costMicros: number; priceTable: string };

/** What `priceTable` says of a call the model response cache answered: no provider was paid for it. */
export const CACHED_PRICE = 'cached';

/**
 * The cost of one call in integer micro-dollars; a model the table does not know costs 0 and says `unpriced`,
 * and a call answered from the response cache (`cached`) costs 0 and says `cached`, whatever its tokens.
 */
export const priceUsage = (usage: { model: string; inputTokens: number; outputTokens: number; cached?: boolean }, table: PriceTable = PRICE_TABLE): Priced => {
  if (usage.cached === true) return { costMicros: 0, priceTable: CACHED_PRICE };
  const price = table.prices.find((p) => matches(p.pattern, usage.model));
  if (!price) return { costMicros: 0, priceTable: 'unpriced' };
  const micros = (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1_000_000;
  return { costMicros: Math.round(micros), priceTable: table.version };
};
