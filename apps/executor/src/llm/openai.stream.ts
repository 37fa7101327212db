import { z } from 'zod';
import type { LlmResponse } from './llm-provider.js';
import { badResponse, type ErrorContext } from './http-errors.js';
import { OpenAiUsage, finishCompletion, type CompletionDraft, type ToolCallDraft } from './openai.wire.js';
import { describeIssues, parseEventData, streamEvents } from './provider-http.js';

const ToolCallDelta = z.object({
  // Ollama sends each call whole, sometimes without `index`; its position in the array stands in.
  index: z.number().int().nonnegative().optional(),
  id: z.string().nullish(),
  function: z.object({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

/** One `chat.completion.chunk`; with `include_usage` the last one has no choices and carries usage. */
const Chunk = z.object({
  choices: z
    .array(
      z.object({
        delta: z.object({ content: z.string().nullish(), tool_calls: z.array(ToolCallDelta).nullish() }).nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: OpenAiUsage.nullish(),
  // OpenAI and vLLM report failures after the 200 header as an `error` chunk.
  error: z.object({ message: z.string() }).nullish(),
});
type Chunk = z.infer<typeof Chunk>;

type Accumulator = { content: string; calls: Map<number, ToolCallDraft>; draft: CompletionDraft; finished: boolean };

const applyToolCalls = (acc: Accumulator, deltas: z.infer<typeof ToolCallDelta>[]): void => {
  deltas.forEach((delta, position) => {
    const index = delta.index ?? position;
    const call = acc.calls.get(index) ?? { id: '', name: '', arguments: '' };
    // id and name come once, in the first delta of a call; arguments arrive as fragments to concatenate.
    if (delta.id) call.id = delta.id;
    if (delta.function?.name) call.name = delta.function.name;
    call.arguments += delta.function?.arguments ?? '';
    acc.calls.set(index, call);
  });
};

const apply = (acc: Accumulator, chunk: Chunk, onDelta: ((text: string) => void) | undefined): void => {
  if (chunk.usage) acc.draft.usage = chunk.usage;
  const choice = chunk.choices?.[0];
  if (choice === undefined) return;
  const text = choice.delta?.content;
  if (text) {
    acc.content += text;
    onDelta?.(text);
  }
  if (choice.delta?.tool_calls) applyToolCalls(acc, choice.delta.tool_calls);
  if (choice.finish_reason) {
    acc.draft.finishReason = choice.finish_reason;
    acc.finished = true;
  }
};

const toDraft = (acc: Accumulator, context: ErrorContext): CompletionDraft => {
  const toolCalls = [...acc.calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
  const unnamed = toolCalls.find((call) => call.name === '');
  if (unnamed !== undefined) throw badResponse(context, `streamed tool call "${unnamed.id}" has no name`);
  return { ...acc.draft, content: acc.content, toolCalls };
};

/**
 * Accumulates a streamed Chat Completion into the same response the non-streamed call returns. A stream
 * that closes before any `finish_reason` was cut off, so its partial answer is not trusted.
 */
export const readOpenAiStream = async (
  response: Response,
  options: { signal: AbortSignal; context: ErrorContext; onDelta?: ((text: string) => void) | undefined },
): Promise<LlmResponse> => {
  const { signal, context } = options;
  const acc: Accumulator = { content: '', calls: new Map(), draft: { content: '', toolCalls: [], finishReason: null, usage: null }, finished: false };
  for await (const event of streamEvents(response, signal, context)) {
    if (event.data === '[DONE]') break;
    const parsed = Chunk.safeParse(parseEventData(event, context));
    if (!parsed.success) throw badResponse(context, `unexpected chunk: ${describeIssues(parsed.error)}`, parsed.error);
    if (parsed.data.error) throw badResponse(context, `stream error: ${parsed.data.error.message}`);
    apply(acc, parsed.data, options.onDelta);
  }
  if (!acc.finished) throw badResponse(context, 'stream ended before a finish_reason');
  return finishCompletion(toDraft(acc, context), context);
};
