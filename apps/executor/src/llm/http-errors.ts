import { LlmError, type LlmErrorCode } from './llm-provider.js';

/** Who failed, and which strings (API keys) must never reach an error message, a log or an event. */
export type ErrorContext = { provider: string; secrets: readonly string[] };

// Server messages are echoed to users and recorded in events; bound them so an HTML error page stays readable.
const MAX_MESSAGE = 500;

/** Replaces every secret in `text`: some servers echo the key they rejected. */
export const redact = (text: string, secrets: readonly string[]): string =>
  secrets.filter((s) => s.length > 0).reduce((out, secret) => out.split(secret).join('[redacted]'), text);

const fromDate = (value: string, now: number): number | undefined => {
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
};

/**
 * How long the provider asks us to back off. OpenAI sends `retry-after-ms` next to `retry-after`; the
 * millisecond one is more precise. `retry-after` is delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 */
export const parseRetryAfter = (headers: Headers, now = Date.now()): number | undefined => {
  const ms = Number(headers.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const value = headers.get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  return fromDate(value, now);
};

type ErrorBody = { message?: string; code?: string };

// OpenAI, Anthropic and Ollama's /v1 nest `{ error: { message } }`; native Ollama sends `{ error: "…" }`;
// vLLM answers `{ object: "error", message }`.
const readErrorBody = (text: string): ErrorBody => {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body !== 'object' || body === null) return {};
    const { error, message } = body as { error?: unknown; message?: unknown };
    if (typeof error === 'string') return { message: error };
    if (typeof error === 'object' && error !== null) {
      const nested = error as { message?: unknown; code?: unknown; type?: unknown };
      const code = typeof nested.code === 'string' ? nested.code : typeof nested.type === 'string' ? nested.type : undefined;
      return { ...(typeof nested.message === 'string' ? { message: nested.message } : {}), ...(code === undefined ? {} : { code }) };
    }
    return typeof message === 'string' ? { message } : {};
  } catch {
    return text.trim() === '' ? {} : { message: text.trim() };
  }
};

const codeForStatus = (status: number): LlmErrorCode => {
  if (status === 429) return 'llm.rate_limited';
  if (status === 408 || status === 409 || status >= 500) return 'llm.unavailable';
  return 'llm.bad_request';
};

/** Maps a non-2xx answer to the error the step loop understands; reads (and so releases) the body. */
export const errorFromResponse = async (response: Response, context: ErrorContext): Promise<LlmError> => {
  const text = await response.text().catch(() => '');
  const body = readErrorBody(text);
  const code = codeForStatus(response.status);
  const detail = (body.message ?? response.statusText).slice(0, MAX_MESSAGE);
  const message = redact(`${context.provider}: HTTP ${response.status}: ${detail}`, context.secrets);
  const retryAfterMs = parseRetryAfter(response.headers);
  // OpenAI reports an exhausted quota as a 429 too, but waiting does not refill a billing account.
  const retryable = code === 'llm.rate_limited' && body.code === 'insufficient_quota' ? false : undefined;
  return new LlmError(code, message, {
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(retryable === undefined ? {} : { retryable }),
  });
};

/**
 * Maps whatever a fetch or a body read threw. An abort wins over the error it caused, and an `LlmError`
 * raised while parsing passes through unchanged.
 */
export const errorFromTransport = (error: unknown, signal: AbortSignal, context: ErrorContext): LlmError => {
  if (error instanceof LlmError) return error;
  if (signal.aborted) return new LlmError('llm.aborted', `${context.provider}: model call aborted`, { cause: signal.reason });
  const reason = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return new LlmError('llm.unavailable', redact(`${context.provider}: request failed: ${reason}${cause}`, context.secrets), {
    cause: error,
  });
};

/**
 * A 2xx answer we cannot use (not JSON, wrong shape, tool arguments that are not a JSON object): retryable,
 * since sampling again usually yields valid output.
 */
export const badResponse = (context: ErrorContext, detail: string, cause?: unknown): LlmError =>
  new LlmError('llm.bad_response', redact(`${context.provider}: bad response: ${detail}`, context.secrets), {
    cause,
    retryable: true,
  });
