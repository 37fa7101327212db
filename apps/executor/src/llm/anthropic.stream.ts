import { z } from 'zod';
import type { ToolCallRequest } from '@shaman/events';
import { LlmError, type LlmErrorCode, type LlmResponse } from './llm-provider.js';
import { badResponse, redact, type ErrorContext } from './http-errors.js';
import { AnthropicUsage, finishReasonOf, inputTokensOf } from './anthropic.wire.js';
import { describeIssues, parseEventData, parseToolArguments, streamEvents } from './provider-http.js';

/** Every Messages stream event we read, as one loose shape keyed by `type`. */
const StreamEvent = z.object({
  type: z.string(),
  index: z.number().int().nonnegative().optional(),
  message: z.object({ usage: AnthropicUsage }).optional(),
  content_block: z
    .object({ type: z.string(), text: z.string().optional(), id: z.string().optional(), name: z.string().optional() })
    .optional(),
  delta: z
    .object({ type: z.string().optional(), text: z.string().optional(), partial_json: z.string().optional(), stop_reason: z.string().nullish() })
    .optional(),
  usage: AnthropicUsage.optional(),
  error: z.object({ type: z.string(), message: z.string() }).optional(),
});
type StreamEvent = z.infer<typeof StreamEvent>;

type BlockDraft = { kind: 'text'; text: string } | { kind: 'tool'; id: string; name: string; json: string };

type State = { blocks: Map<number, BlockDraft>; usage: AnthropicUsage; stopReason: string | null; stopped: boolean };

// Errors after the 200 header arrive as an `error` event carrying the same types as HTTP error bodies.
const ERROR_CODES: Readonly<Record<string, LlmErrorCode>> = {
  overloaded_error: 'llm.unavailable',
  api_error: 'llm.unavailable',
  rate_limit_error: 'llm.rate_limited',
  invalid_request_error: 'llm.bad_request',
};

const streamError = (error: { type: string; message: string }, context: ErrorContext): LlmError =>
  new LlmError(ERROR_CODES[error.type] ?? 'llm.unavailable', redact(`${context.provider}: ${error.type}: ${error.message}`, context.secrets));

const startBlock = (state: State, event: StreamEvent): void => {
  const block = event.content_block;
  if (event.index === undefined || block === undefined) return;
  if (block.type === 'text') state.blocks.set(event.index, { kind: 'text', text: block.text ?? '' });
  if (block.type === 'tool_use') state.blocks.set(event.index, { kind: 'tool', id: block.id ?? '', name: block.name ?? '', json: '' });
};

const applyDelta = (state: State, event: StreamEvent, onDelta: ((text: string) => void) | undefined): void => {
  const block = event.index === undefined ? undefined : state.blocks.get(event.index);
  const delta = event.delta;
  if (block === undefined || delta === undefined) return; // e.g. deltas of thinking blocks we do not keep
  if (block.kind === 'text' && delta.type === 'text_delta' && delta.text !== undefined) {
    block.text += delta.text;
    onDelta?.(delta.text);
  }
  if (block.kind === 'tool' && delta.type === 'input_json_delta') block.json += delta.partial_json ?? '';
};

// Usage in `message_delta` is cumulative, so later counts replace earlier ones rather than add to them.
const mergeUsage = (state: State, usage: AnthropicUsage | undefined): void => {
  if (usage === undefined) return;
  const defined = Object.entries(usage).filter(([, value]) => value !== undefined && value !== null);
  state.usage = { ...state.usage, ...Object.fromEntries(defined) };
};

const apply = (state: State, event: StreamEvent, options: StreamOptions): void => {
  switch (event.type) {
    case 'message_start':
      return mergeUsage(state, event.message?.usage);
    case 'content_block_start':
      return startBlock(state, event);
    case 'content_block_delta':
      return applyDelta(state, event, options.onDelta);
    case 'message_delta':
      state.stopReason = event.delta?.stop_reason ?? state.stopReason;
      return mergeUsage(state, event.usage);
    case 'message_stop':
      state.stopped = true;
      return;
    case 'error':
      throw streamError(event.error ?? { type: 'api_error', message: 'unknown stream error' }, options.context);
    default:
      return; // ping, content_block_stop and event types added later
  }
};

const toResponse = (state: State, context: ErrorContext): LlmResponse => {
  const blocks = [...state.blocks.entries()].sort(([a], [b]) => a - b).map(([, block]) => block);
  const text = blocks.map((block) => (block.kind === 'text' ? block.text : '')).join('');
  const toolCalls = blocks.flatMap((block): ToolCallRequest[] =>
    block.kind === 'tool' ? [{ id: block.id, name: block.name, arguments: parseToolArguments(block.json, block.name, context) }] : [],
  );
  if (toolCalls.some((call) => call.id === '' || call.name === '')) throw badResponse(context, 'streamed tool_use lacks an id or a name');
  return {
    content: text === '' ? null : text,
    toolCalls,
    finishReason: finishReasonOf(state.stopReason, toolCalls.length > 0),
    usage: { inputTokens: inputTokensOf(state.usage), outputTokens: state.usage.output_tokens ?? 0 },
  };
};

type StreamOptions = { signal: AbortSignal; context: ErrorContext; onDelta?: ((text: string) => void) | undefined };

/** Accumulates a streamed Messages answer; a stream without `message_stop` was cut off and is not trusted. */
export const readAnthropicStream = async (response: Response, options: StreamOptions): Promise<LlmResponse> => {
  const { signal, context } = options;
  const state: State = { blocks: new Map(), usage: {}, stopReason: null, stopped: false };
  for await (const event of streamEvents(response, signal, context)) {
    const parsed = StreamEvent.safeParse(parseEventData(event, context));
    if (!parsed.success) throw badResponse(context, `unexpected stream event: ${describeIssues(parsed.error)}`, parsed.error);
    apply(state, parsed.data, options);
    if (state.stopped) break;
  }
  if (!state.stopped) throw badResponse(context, 'stream ended before message_stop');
  return toResponse(state, context);
};
