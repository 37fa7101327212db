import { z } from 'zod';
import type { ToolCallRequest } from '@shaman/events';
import type { LlmFinishReason, LlmMessage, LlmRequest, LlmResponse } from './llm-provider.js';
import { badResponse, type ErrorContext } from './http-errors.js';
import { describeIssues, parseToolArguments, stripModelPrefix } from './provider-http.js';

/** o-series models reject `max_tokens`; most self-hosted servers only know `max_tokens`. */
export type MaxTokensField = 'max_tokens' | 'max_completion_tokens';

export type OpenAiBodyOptions = { modelPrefix?: string; stream: boolean; maxTokensField: MaxTokensField };

const toWireMessage = (message: LlmMessage): Record<string, unknown> => {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'assistant':
      // OpenAI rejects an empty `tool_calls` array, and `content: null` is only valid next to tool calls.
      if (message.toolCalls.length === 0) return { role: 'assistant', content: message.content ?? '' };
      return {
        role: 'assistant',
        content: message.content,
        tool_calls: message.toolCalls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: JSON.stringify(call.arguments) },
        })),
      };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
};

/** The Chat Completions request body for `request`. */
export const toOpenAiBody = (request: LlmRequest, options: OpenAiBodyOptions): Record<string, unknown> => ({
  model: stripModelPrefix(request.model, options.modelPrefix),
  messages: request.messages.map(toWireMessage),
  // An empty `tools` array is a 400 on OpenAI, so no tools means no field.
  ...(request.tools.length === 0
    ? {}
    : {
        tools: request.tools.map((tool) => ({
          type: 'function',
          function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
        })),
      }),
  ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
  ...(request.maxTokens === undefined ? {} : { [options.maxTokensField]: request.maxTokens }),
  ...(options.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
});

export const OpenAiUsage = z.object({ prompt_tokens: z.number().int().nonnegative(), completion_tokens: z.number().int().nonnegative() });

const OpenAiToolCall = z.object({
  id: z.string().nullish(),
  function: z.object({ name: z.string().min(1), arguments: z.string().nullish() }),
});

/** The parts of a `chat.completion` object we read; unknown fields are ignored. */
export const OpenAiCompletion = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullish(), tool_calls: z.array(OpenAiToolCall).nullish() }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: OpenAiUsage.nullish(),
});

/** A tool call as text, before its arguments are parsed; streaming builds these from deltas. */
export type ToolCallDraft = { id: string; name: string; arguments: string };

export type CompletionDraft = {
  content: string;
  toolCalls: ToolCallDraft[];
  finishReason: string | null | undefined;
  usage: z.infer<typeof OpenAiUsage> | null | undefined;
};

// Ollama and some vLLM versions answer tool calls with finish_reason "stop"; the calls are what counts.
const finishReasonOf = (raw: string | null | undefined, hasToolCalls: boolean): LlmFinishReason => {
  if (raw === 'length' || raw === 'content_filter') return raw;
  if (raw === 'tool_calls' || raw === 'function_call') return 'tool_calls';
  return hasToolCalls ? 'tool_calls' : 'stop';
};

/** Turns a non-streamed or accumulated completion into the provider-neutral response. */
export const finishCompletion = (draft: CompletionDraft, context: ErrorContext): LlmResponse => {
  const toolCalls: ToolCallRequest[] = draft.toolCalls.map((call, i) => ({
    // llama.cpp and older Ollama builds may omit the id; the tool message must still reference one.
    id: call.id === '' ? `call_${i}` : call.id,
    name: call.name,
    arguments: parseToolArguments(call.arguments, call.name, context),
  }));
  return {
    content: draft.content === '' ? null : draft.content,
    toolCalls,
    finishReason: finishReasonOf(draft.finishReason, toolCalls.length > 0),
    usage: { inputTokens: draft.usage?.prompt_tokens ?? 0, outputTokens: draft.usage?.completion_tokens ?? 0 },
  };
};

/** Validates a `chat.completion` body and converts its first choice. */
export const parseCompletion = (body: unknown, context: ErrorContext): LlmResponse => {
  const parsed = OpenAiCompletion.safeParse(body);
  if (!parsed.success) throw badResponse(context, `unexpected completion: ${describeIssues(parsed.error)}`, parsed.error);
  const [choice] = parsed.data.choices;
  if (choice === undefined) throw badResponse(context, 'completion has no choices');
  return finishCompletion(
    {
      content: choice.message.content ?? '',
      toolCalls: (choice.message.tool_calls ?? []).map((call) => ({
        id: call.id ?? '',
        name: call.function.name,
        arguments: call.function.arguments ?? '',
      })),
      finishReason: choice.finish_reason,
      usage: parsed.data.usage,
    },
    context,
  );
};
