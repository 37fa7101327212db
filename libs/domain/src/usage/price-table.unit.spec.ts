import { describe, expect, it } from 'vitest';
import { PRICE_TABLE, priceUsage } from './price-table.js';

describe('price table', () => {
  it('prices a call in integer micro-dollars with the table version', () => {
    // gpt-4o: $2.50 in / $10 out per million tokens → 1000 in + 500 out = $0.0025 + $0.005
    expect(priceUsage({ model: 'gpt-4o', inputTokens: 1000, outputTokens: 500 })).toEqual({ costMicros: 7500, priceTable: PRICE_TABLE.version });
  });

  it('matches the most specific family first', () => {
    expect(priceUsage({ model: 'gpt-4o-mini-2024-07-18', inputTokens: 1_000_000, outputTokens: 0 }).costMicros).toBe(150_000);
  });

  it('makes offline models free and unknown models unpriced', () => {
    expect(priceUsage({ model: 'scripted', inputTokens: 99, outputTokens: 99 })).toEqual({ costMicros: 0, priceTable: PRICE_TABLE.version });
    expect(priceUsage({ model: 'mystery-7b', inputTokens: 99, outputTokens: 99 })).toEqual({ costMicros: 0, priceTable: 'unpriced' });
  });

  it('makes a call answered from the response cache free, and says so', () => {
    expect(priceUsage({ model: 'gpt-4o', inputTokens: 1000, outputTokens: 500, cached: true })).toEqual({ costMicros: 0, priceTable: 'cached' });
    expect(priceUsage({ model: 'gpt-4o', inputTokens: 1000, outputTokens: 500, cached: false }).costMicros).toBe(7500);
  });

  it('uses the table it is given, so history keeps its prices', () => {
    const old = { version: '2025-01-01', prices: [{ pattern: 'gpt-4o*', inputPerMTok: 5_000_000, outputPerMTok: 15_000_000 }] };
    expect(priceUsage({ model: 'gpt-4o', inputTokens: 1000, outputTokens: 500 }, old)).toEqual({ costMicros: 12_500, priceTable: '2025-01-01' });
  });
});
