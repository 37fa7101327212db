import { describe, expect, it } from 'vitest';
import { addUsage, formatUsd, money, NO_USAGE } from './money.js';

describe('money', () => {
  it.each([
    [0, '0.000000'],
    [1, '0.000001'],
    [450, '0.000450'],
    [1_000_000, '1.000000'],
    [1_234_567, '1.234567'],
    [9_007_199_254_740_991, '9007199254.740991'],
  ])('formats %d micro-dollars as %s USD', (micros, usd) => expect(formatUsd(micros)).toBe(usd));

  it('refuses amounts that are not exact non-negative integers', () => {
    expect(() => formatUsd(-1)).toThrow(RangeError);
    expect(() => formatUsd(1.5)).toThrow(RangeError);
    expect(() => formatUsd(2 ** 53)).toThrow(RangeError);
  });

  it('pairs micros with their dollar string, and sums usage field by field', () => {
    expect(money(2500)).toEqual({ micros: 2500, usd: '0.002500' });
    const a = { calls: 1, inputTokens: 10, outputTokens: 2, costMicros: 450 };
    expect(addUsage(addUsage(NO_USAGE, a), a)).toEqual({ calls: 2, inputTokens: 20, outputTokens: 4, costMicros: 900 });
  });
});
