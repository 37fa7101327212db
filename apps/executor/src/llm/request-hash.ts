import { hash } from 'node:crypto';
import type { LlmRequest } from './llm-provider.js';

// Sorting keys makes the hash independent of how the request object happened to be built.
const canonicalize = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, canonicalize(v)]));
};

/**
 * SHA-256 (hex) of what the model sees. `agent` is left out: it only locates a script, and the same prompt
 * from a moved repository is the same request. Recorded on `LlmResponded` so a replay can detect divergence.
 */
export const hashLlmRequest = (request: LlmRequest): string => {
  const { model, messages, tools, temperature, maxTokens } = request;
  const canonical = JSON.stringify(canonicalize({ model, messages, tools, temperature, maxTokens }));
  return hash('sha256', canonical, 'hex');
};
