import type { TokenUsage, ToolCallRequest } from '@shaman/events';

/** A tool as offered to a model; `inputSchema` is the JSON Schema of its arguments. */
export type LlmToolSpec = { name: string; description: string; inputSchema: Record<string, unknown> };

/** Provider-neutral chat history; each provider maps it to its wire format (OpenAI messages, Anthropic blocks). */
export type LlmMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string | null; toolCalls: ToolCallRequest[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string };

export type LlmRequest = {
  model: string;
  messages: LlmMessage[];
  tools: LlmToolSpec[];
  temperature?: number;
  maxTokens?: number;
  /** What the scripted provider needs to find its script; real providers ignore it. */
  agent: { name: string; repository: string };
};

export type LlmFinishReason = 'stop' | 'tool_calls' | 'length' | 'content_filter';

export type LlmResponse = {
  content: string | null;
  toolCalls: ToolCallRequest[];
  finishReason: LlmFinishReason;
  usage: TokenUsage;
};

/**
 * Per call: `signal` aborts it; `onDelta` receives the answer's text as it is generated, for live viewers only
 * (best-effort, never recorded: the returned response is still the whole answer, and the only truth).
 */
export type LlmCallOptions = { signal: AbortSignal; onDelta?: ((text: string) => void) | undefined };

/**
 * One model backend. `complete` must reject with `LlmError` (never a raw transport error) and must stop
 * promptly when `signal` aborts, so a canceled step releases its slot.
 */
export interface LlmProvider {
  readonly name: string;
  complete(request: LlmRequest, options: LlmCallOptions): Promise<LlmResponse>;
}

/** Closed set of ways a model call fails. */
export type LlmErrorCode = 'llm.unavailable' | 'llm.bad_request' | 'llm.bad_response' | 'llm.rate_limited' | 'llm.aborted' | 'llm.script';

// Outages and throttling pass; a bad request, a cancel or a broken script fails the same way every time.
const RETRYABLE_BY_DEFAULT: Readonly<Record<LlmErrorCode, boolean>> = {
  'llm.unavailable': true,
  'llm.rate_limited': true,
  'llm.bad_request': false,
  // Malformed output (broken JSON, tool arguments that are not an object): sampling again usually fixes it.
  'llm.bad_response': true,
  'llm.aborted': false,
  'llm.script': false,
};

export type LlmErrorOptions = {
  cause?: unknown;
  /** Overrides the code's default, e.g. a 500 that the provider documents as permanent. */
  retryable?: boolean;
  /** From a `Retry-After` header or equivalent, when the provider says how long to back off. */
  retryAfterMs?: number;
};

/** The one error a provider raises; the step loop maps `code` to `model_error` and retries when `retryable`. */
export class LlmError extends Error {
  override readonly name = 'LlmError';
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(readonly code: LlmErrorCode, message?: string, options: LlmErrorOptions = {}) {
    super(message ?? code, { cause: options.cause });
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT[code];
    this.retryAfterMs = options.retryAfterMs;
  }
}
