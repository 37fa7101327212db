import { z } from 'zod';
import type { ToolCallRequest } from '@shaman/events';
import type { LlmFinishReason, LlmMessage, LlmRequest, LlmResponse } from './llm-provider.js';
import { badResponse, type ErrorContext } from './http-errors.js';
import { describeIssues, stripModelPrefix } from './provider-http.js';

/** The Messages API requires `max_tokens`; this applies when the agent sets none. */
export const DEFAULT_MAX_TOKENS = 1024;

type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content?: string };
type WireMessage = { role: 'user' | 'assistant'; content: Block[] };

// The API rejects empty text blocks, so an empty string contributes no block at all.
const text = (value: string | null): Block[] => (value === null || value === '' ? [] : [{ type: 'text', text: value }]);

const toWireMessage = (message: Exclude<LlmMessage, { role: 'system' }>): WireMessage => {
  switch (message.role) {
    case 'user':
      return { role: 'user', content: text(message.content) };
    case 'assistant':
      return {
        role: 'assistant',
        content: [
          ...text(message.content),
          ...message.toolCalls.map((call): Block => ({ type: 'tool_use', id: call.id, name: call.name, input: call.arguments })),
        ],
      };
    case 'tool':
      // Tool results travel in a user turn. `content` is optional: an empty result is sent without one, as
      // the API rejects empty text blocks.
      return {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: message.toolCallId, ...(message.content === '' ? {} : { content: message.content }) }],
      };
  }
};

/**
 * Roles must alternate, so consecutive same-role turns (parallel tool results, a tool result followed by a
 * user note) merge into one. Within a user turn, tool results must precede any text.
 */
const alternate = (messages: WireMessage[]): WireMessage[] =>
  messages
    .filter((message) => message.content.length > 0)
    .reduce<WireMessage[]>((out, message) => {
      const last = out.at(-1);
      if (last?.role === message.role) last.content.push(...message.content);
      else out.push({ role: message.role, content: [...message.content] });
      return out;
    }, [])
    .map((message) => ({
      role: message.role,
      content: [...message.content.filter((b) => b.type === 'tool_result'), ...message.content.filter((b) => b.type !== 'tool_result')],
    }));

export type AnthropicBodyOptions = { modelPrefix?: string; stream: boolean };

/** The Messages API request body for `request`; system messages become the top-level `system`. */
export const toAnthropicBody = (request: LlmRequest, options: AnthropicBodyOptions): Record<string, unknown> => {
  const system = request.messages.flatMap((m) => (m.role === 'system' ? [m.content] : [])).join('\n\n');
  const turns = request.messages.flatMap((m) => (m.role === 'system' ? [] : [toWireMessage(m)]));
  return {
    model: stripModelPrefix(request.model, options.modelPrefix),
    max_tokens: request.maxTokens ?? DEFAULT_MAX_TOKENS,
    ...(system === '' ? {} : { system }),
    messages: alternate(turns),
    ...(request.tools.length === 0
      ? {}
      : { tools: request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema })) }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(options.stream ? { stream: true } : {}),
  };
};

/** Usage as the API reports it; cache reads and writes are input tokens billed separately. */
export const AnthropicUsage = z.object({
  input_tokens: z.number().int().nonnegative().optional(),
  output_tokens: z.number().int().nonnegative().optional(),
  cache_creation_input_tokens: z.number().int().nonnegative().nullish(),
  cache_read_input_tokens: z.number().int().nonnegative().nullish(),
});
export type AnthropicUsage = z.infer<typeof AnthropicUsage>;

// `input_tokens` excludes cached prompt tokens; the total is what the model actually read.
export const inputTokensOf = (usage: AnthropicUsage): number =>
  (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);

const ContentBlock = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  input: z.unknown().optional(),
});

const AnthropicMessage = z.object({
  content: z.array(ContentBlock),
  stop_reason: z.string().nullish(),
  usage: AnthropicUsage,
});

/** Maps `stop_reason`; `refusal` is the API's content filter, `pause_turn` an answer to continue later. */
export const finishReasonOf = (stopReason: string | null | undefined, hasToolCalls: boolean): LlmFinishReason => {
  if (stopReason === 'tool_use') return 'tool_calls';
  if (stopReason === 'max_tokens' || stopReason === 'model_context_window_exceeded') return 'length';
  if (stopReason === 'refusal') return 'content_filter';
  return hasToolCalls ? 'tool_calls' : 'stop';
};

const toToolCall = (block: z.infer<typeof ContentBlock>, context: ErrorContext): ToolCallRequest => {
  const { id, name, input } = block;
  if (!id || !name || typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw badResponse(context, 'tool_use block lacks an id, a name or an object input');
  }
  return { id, name, arguments: input as Record<string, unknown> };
};

/** Validates a `message` body: text blocks joined, `tool_use` blocks become tool calls, others ignored. */
export const parseMessage = (body: unknown, context: ErrorContext): LlmResponse => {
  const parsed = AnthropicMessage.safeParse(body);
  if (!parsed.success) throw badResponse(context, `unexpected message: ${describeIssues(parsed.error)}`, parsed.error);
  const { content, stop_reason: stopReason, usage } = parsed.data;
  const joined = content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join('');
  const toolCalls = content.filter((block) => block.type === 'tool_use').map((block) => toToolCall(block, context));
  return {
    content: joined === '' ? null : joined,
    toolCalls,
    finishReason: finishReasonOf(stopReason, toolCalls.length > 0),
    usage: { inputTokens: inputTokensOf(usage), outputTokens: usage.output_tokens ?? 0 },
  };
};
