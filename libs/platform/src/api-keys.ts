import { hash, randomBytes } from 'node:crypto';

export type ApiKeyEnvironment = 'live' | 'test';
export type GeneratedApiKey = { key: string; prefix: string; hash: string };

const KEY_PATTERN = /^sk_(live|test)_[A-Za-z0-9_-]{32,}$/;

/**
 * A new key: `sk_<env>_` + 32 random bytes (base64url). It is shown once; we keep its SHA-256 (enough for a
 * 256-bit random secret: there is nothing to brute-force, so a slow hash would only slow every request) and a
 * visible prefix so people can tell their keys apart.
 */
export const generateApiKey = (env: ApiKeyEnvironment = 'live'): GeneratedApiKey => {
  const key = `sk_${env}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, 16), hash: hashApiKey(key) };
};

export const hashApiKey = (key: string): string => hash('sha256', key, 'hex');

/** Cheap shape check before any database lookup. */
export const looksLikeApiKey = (value: string): boolean => KEY_PATTERN.test(value);

/** Whether a key's scopes let it execute an agent: `*`, `/agents/*` or `/agents/<Name>[:execute]`. */
export const scopeAllowsAgent = (scopes: readonly string[], agent: string): boolean =>
  scopes.some((s) => s === '*' || s === '/agents/*' || s === `/agents/${agent}` || s === `/agents/${agent}:execute`);
