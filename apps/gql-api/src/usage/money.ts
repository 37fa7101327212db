/**
 * Amounts of money: integer micro-dollars (1e-6 USD), as the usage ledger stores them, so sums stay exact.
 * GraphQL's Int is 32-bit (about $2,147 in micros), too small for an organization's month, so `Money` carries
 * `micros` as a `SafeInt` and a decimal `usd` string for display.
 */
export type Money = { micros: number; usd: string };

const MICROS_PER_USD = 1_000_000;

/** `1_234_567` → `"1.234567"`; integer arithmetic only, no float rounding. */
export const formatUsd = (micros: number): string => {
  if (!Number.isSafeInteger(micros) || micros < 0) throw new RangeError(`not a non-negative safe integer amount: ${micros}`);
  return `${Math.floor(micros / MICROS_PER_USD)}.${String(micros % MICROS_PER_USD).padStart(6, '0')}`;
};

export const money = (micros: number): Money => ({ micros, usd: formatUsd(micros) });

/** Calls, tokens and cost summed over some usage-ledger rows. */
export type UsageTotals = { calls: number; inputTokens: number; outputTokens: number; costMicros: number };

export const NO_USAGE: UsageTotals = Object.freeze({ calls: 0, inputTokens: 0, outputTokens: 0, costMicros: 0 });

export const addUsage = (a: UsageTotals, b: UsageTotals): UsageTotals => ({
  calls: a.calls + b.calls,
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
  costMicros: a.costMicros + b.costMicros,
});
