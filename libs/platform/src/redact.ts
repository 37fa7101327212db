/**
 * Secrets inside values, wherever they appear (messages, error texts, URLs): pino's path redaction cannot see
 * into a string, and an error message quoting a git remote or an HTTP header is where tokens leak in practice.
 */
const PATTERNS: readonly [RegExp, string][] = [
  // Credentials in URLs: https://x-access-token:ghp_…@github.com/…, redis://:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]*(?::[^\s/@]*)?@/gi, '$1[redacted]@'],
  // Credentials in query strings: ?access_token=…, &api_key=…, &X-Amz-Signature=…
  [/([?&][\w-]*(?:token|secret|password|api[-_]?key|signature)=)[^&\s#"]+/gi, '$1[redacted]'],
  // JWTs (three base64url segments, the first a JSON header)
  [/\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]+/g, '[redacted-jwt]'],
  // Shaman API keys
  [/\bsk_(?:live|test)_[\w-]+/g, '[redacted-api-key]'],
  // Provider and forge tokens: OpenAI/Anthropic keys, GitHub and GitLab tokens
  [/\b(?:sk-(?:ant-)?[\w-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,})/g, '[redacted-token]'],
  // Authorization header values quoted in text
  [/\b(Bearer|Basic)\s+[\w~+/.=-]{8,}/gi, '$1 [redacted]'],
];

/** Keys whose string values are credentials whatever they look like. `inputTokens` (a count) is not one. */
const SECRET_KEY = /^(?:authorization|proxy-authorization|cookie|set-cookie|password|passwd|pass|jwt|secret|private[-_]?key|x-api-key|[\w-]*(?:secret|token|api[-_]?key|password)[\w-]*)$/i;
const COUNT_KEY = /tokens$/i;

export const REDACTED = '[redacted]';

export const redactText = (text: string): string => PATTERNS.reduce((s, [pattern, replacement]) => s.replace(pattern, replacement), text);

const isSecretKey = (key: string): boolean => SECRET_KEY.test(key) && !COUNT_KEY.test(key);

/**
 * A copy of a log object with secret-named keys censored and secret-looking text masked, to `depth` levels.
 * Errors become plain objects (type, message, stack, code) so their texts are masked too.
 */
export const redactValue = (value: unknown, depth = 6): unknown => {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth === 0) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth - 1));
  if (value instanceof Error) return redactValue(errorFields(value), depth);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = typeof v === 'string' && isSecretKey(key) ? REDACTED : redactValue(v, depth - 1);
  return out;
};

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

const errorFields = (error: Error): Record<string, unknown> => ({
  type: error.name,
  message: error.message,
  stack: error.stack,
  ...('code' in error && error.code !== undefined ? { code: error.code } : {}),
  ...(error.cause !== undefined ? { cause: error.cause instanceof Error ? errorFields(error.cause) : error.cause } : {}),
});
