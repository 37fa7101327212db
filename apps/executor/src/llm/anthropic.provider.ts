import type { LlmCallOptions, LlmProvider, LlmRequest, LlmResponse } from './llm-provider.js';
import type { ErrorContext } from './http-errors.js';
import { readAnthropicStream } from './anthropic.stream.js';
import { parseMessage, toAnthropicBody } from './anthropic.wire.js';
import { postJson, readJson, trimBaseUrl } from './provider-http.js';

export type AnthropicOptions = {
  /** The provider's name in routes and `LlmResponded` events; `anthropic` by default. */
  name?: string;
  /** Defaults to `https://api.anthropic.com`; the path `/v1/messages` is appended. */
  baseUrl?: string;
  apiKey: string;
  /** The `anthropic-version` header; the wire format this module speaks is that of 2023-06-01. */
  version?: string;
  stream?: boolean;
  /** Stripped from the model name before sending, so `anthropic/claude-sonnet-4-5` is sent as `claude-sonnet-4-5`. */
  modelPrefix?: string;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  /** Live text as it streams (only with `stream`), for every call; a call's own `onDelta` wins. */
  onDelta?: (text: string) => void;
};

/** A provider for the Anthropic Messages API (`POST {baseUrl}/v1/messages`). */
export const createAnthropicProvider = (options: AnthropicOptions): LlmProvider => {
  const name = options.name ?? 'anthropic';
  const url = `${trimBaseUrl(options.baseUrl ?? 'https://api.anthropic.com')}/v1/messages`;
  const stream = options.stream ?? false;
  const context: ErrorContext = { provider: name, secrets: [options.apiKey] };
  const headers = {
    ...options.headers,
    'x-api-key': options.apiKey,
    'anthropic-version': options.version ?? '2023-06-01',
    ...(stream ? { accept: 'text/event-stream' } : {}),
  };
  const body = (request: LlmRequest) =>
    toAnthropicBody(request, { stream, ...(options.modelPrefix === undefined ? {} : { modelPrefix: options.modelPrefix }) });

  const complete = async (request: LlmRequest, { signal, onDelta }: LlmCallOptions): Promise<LlmResponse> => {
    const fetchImpl = options.fetch ?? globalThis.fetch;
    const response = await postJson({ fetch: fetchImpl, url, headers, body: body(request), signal, context });
    if (stream) return readAnthropicStream(response, { signal, context, onDelta: onDelta ?? options.onDelta });
    return parseMessage(await readJson(response, signal, context), context);
  };
  return { name, complete };
};
