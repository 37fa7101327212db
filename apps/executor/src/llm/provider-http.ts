import type { z } from 'zod';
import { LlmError } from './llm-provider.js';
import { badResponse, errorFromResponse, errorFromTransport, type ErrorContext } from './http-errors.js';
import { readSse, type SseEvent } from './sse-parser.js';

export type PostJsonOptions = {
  fetch: typeof fetch;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  signal: AbortSignal;
  context: ErrorContext;
};

const throwIfAborted = (signal: AbortSignal, context: ErrorContext): void => {
  if (signal.aborted) throw new LlmError('llm.aborted', `${context.provider}: model call aborted`, { cause: signal.reason });
};

/** POSTs JSON and returns the 2xx response; every failure becomes an `LlmError`. */
export const postJson = async (options: PostJsonOptions): Promise<Response> => {
  const { signal, context } = options;
  throwIfAborted(signal, context);
  let response: Response;
  try {
    response = await options.fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: JSON.stringify(options.body),
      signal,
    });
  } catch (error) {
    throw errorFromTransport(error, signal, context);
  }
  if (!response.ok) throw await errorFromResponse(response, context);
  return response;
};

/** Reads a JSON body; an abort while reading stays an abort, anything unparseable is a bad response. */
export const readJson = async (response: Response, signal: AbortSignal, context: ErrorContext): Promise<unknown> => {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw errorFromTransport(error, signal, context);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badResponse(context, 'body is not JSON', error);
  }
};

/**
 * Iterates the response's server-sent events, mapping a dropped connection or an abort mid-stream to the
 * right `LlmError`. Leaving the loop early cancels the body, which releases the connection.
 */
export async function* streamEvents(response: Response, signal: AbortSignal, context: ErrorContext): AsyncGenerator<SseEvent> {
  if (response.body === null) throw badResponse(context, 'streaming response has no body');
  try {
    yield* readSse(response.body);
  } catch (error) {
    throw errorFromTransport(error, signal, context);
  }
}

/** Parses one SSE `data:` payload as JSON. */
export const parseEventData = (event: SseEvent, context: ErrorContext): unknown => {
  try {
    return JSON.parse(event.data) as unknown;
  } catch (error) {
    throw badResponse(context, `stream event "${event.event}" is not JSON`, error);
  }
};

/**
 * Tool arguments arrive as JSON text (OpenAI always, Anthropic when streamed). Some servers send "" for a
 * tool without parameters; a call must carry an object, so anything else is a bad response.
 */
export const parseToolArguments = (text: string, toolName: string, context: ErrorContext): Record<string, unknown> => {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badResponse(context, `arguments of tool "${toolName}" are not valid JSON`, error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badResponse(context, `arguments of tool "${toolName}" are not a JSON object`);
  }
  return value as Record<string, unknown>;
};

/** `ollama/llama3` is routed by its prefix but the server knows the model as `llama3`. */
export const stripModelPrefix = (model: string, prefix: string | undefined): string =>
  prefix !== undefined && prefix !== '' && model.startsWith(prefix) ? model.slice(prefix.length) : model;

export const trimBaseUrl = (baseUrl: string): string => baseUrl.replace(/\/+$/, '');

/** A short, single-line account of why a body failed its schema (zod's own message is multi-line JSON). */
export const describeIssues = (error: z.ZodError): string =>
  error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
