const replaceNul = (_key: string, v: unknown): unknown => (typeof v === 'string' && v.includes('\u0000') ? v.replaceAll('\u0000', '\uFFFD') : v);

/**
 * Serializes a value for a `$n::jsonb` parameter. PostgreSQL rejects U+0000 in jsonb and text, and a caller
 * can put one in a message; left alone it would fail the batch on every retry and stall the projection for
 * every tenant. It becomes U+FFFD, the same way on every replay.
 */
export const toJsonParam = (value: unknown): string => {
  // JSON.stringify writes U+0000 as the escape `\u0000`, and text that holds those six characters as `\\u0000`,
  // which contains them too: without them there is nothing to replace, and the replacer (a call per value,
  // about twice the cost of every jsonb parameter the projector sends) is skipped.
  const plain = JSON.stringify(value);
  return plain.includes('\\u0000') ? JSON.stringify(value, replaceNul) : plain;
};
