import type { LlmCallOptions, LlmProvider, LlmRequest, LlmResponse } from './llm-provider.js';
import type { ErrorContext } from './http-errors.js';
import { readOpenAiStream } from './openai.stream.js';
import { parseCompletion, toOpenAiBody, type MaxTokensField } from './openai.wire.js';
import { postJson, readJson, trimBaseUrl } from './provider-http.js';

export type OpenAiCompatibleOptions = {
  /** The provider's name in routes and `LlmResponded` events (`openai`, `ollama`, `vllm`). */
  name: string;
  /** The API root including its version, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  /** Sent as a bearer token; local servers usually need none. */
  apiKey?: string;
  stream?: boolean;
  /** Stripped from the model name before sending, so `ollama/llama3` reaches Ollama as `llama3`. */
  modelPrefix?: string;
  /** Defaults to `max_tokens`, which every compatible server accepts; OpenAI's o-series needs the other. */
  maxTokensField?: MaxTokensField;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  /** Live text as it streams (only with `stream`), for every call; a call's own `onDelta` wins. */
  onDelta?: (text: string) => void;
};

/**
 * A provider for the OpenAI Chat Completions API (`POST {baseUrl}/chat/completions`), which OpenAI, Ollama,
 * vLLM, llama.cpp server and LM Studio all speak.
 */
export const createOpenAiCompatibleProvider = (options: OpenAiCompatibleOptions): LlmProvider => {
  const url = `${trimBaseUrl(options.baseUrl)}/chat/completions`;
  const stream = options.stream ?? false;
  const context: ErrorContext = { provider: options.name, secrets: options.apiKey === undefined ? [] : [options.apiKey] };
  const headers = {
    ...options.headers,
    ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }),
    ...(stream ? { accept: 'text/event-stream' } : {}),
  };
  const body = (request: LlmRequest) =>
    toOpenAiBody(request, {
      stream,
      maxTokensField: options.maxTokensField ?? 'max_tokens',
      ...(options.modelPrefix === undefined ? {} : { modelPrefix: options.modelPrefix }),
    });

  const complete = async (request: LlmRequest, { signal, onDelta }: LlmCallOptions): Promise<LlmResponse> => {
    const fetchImpl = options.fetch ?? globalThis.fetch;
    const response = await postJson({ fetch: fetchImpl, url, headers, body: body(request), signal, context });
    if (stream) return readOpenAiStream(response, { signal, context, onDelta: onDelta ?? options.onDelta });
    return parseCompletion(await readJson(response, signal, context), context);
  };
  return { name: options.name, complete };
};
