/**
 * Serializes a value for a `$n::jsonb` parameter. PostgreSQL rejects U+0000 in jsonb and text, and a caller
 * can put one in a message; left alone it would fail the batch on every retry and stall the projection for
 * every tenant. It becomes U+FFFD, the same way on every replay.
 */
export const toJsonParam = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' && v.includes('\u0000') ? v.replaceAll('\u0000', '\uFFFD') : v));
