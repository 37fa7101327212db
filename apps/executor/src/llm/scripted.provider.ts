import { setTimeout as sleep } from 'node:timers/promises';
import type { ToolCallRequest } from '@shaman/events';
import { LlmError, type LlmCallOptions, type LlmMessage, type LlmProvider, type LlmRequest, type LlmResponse } from './llm-provider.js';
import { createScriptStore, type AgentScript, type ScriptFs, type ScriptTurn } from './script.store.js';

type Answer = Pick<LlmResponse, 'content' | 'toolCalls' | 'finishReason'>;

/**
 * `{{input}}`, `{{lastToolResult}}`, and a field of a JSON tool result: `{{lastToolResult.taskId}}` or, counting
 * tool results from the first, `{{toolResult.1.taskId}}` (how a script waits for the agents it called async).
 */
const TEMPLATE = /\{\{\s*(input|lastToolResult|toolResult\.\d+)(?:\.([A-Za-z0-9_]+))?\s*\}\}/g;

const byRole =
  <TRole extends LlmMessage['role']>(role: TRole) =>
  (message: LlmMessage): message is Extract<LlmMessage, { role: TRole }> =>
    message.role === role;

const fieldOf = (content: string, field: string): string => {
  try {
    const value: unknown = (JSON.parse(content) as Record<string, unknown>)[field];
    return typeof value === 'string' ? value : JSON.stringify(value ?? null);
  } catch {
    return '';
  }
};

const render = (template: string, messages: LlmMessage[]): string => {
  const results = messages.filter(byRole('tool')).map((m) => m.content ?? '');
  const valueOf = (key: string): string => {
    if (key === 'input') return messages.find(byRole('user'))?.content ?? '';
    if (key === 'lastToolResult') return results.at(-1) ?? '';
    return results[Number(key.split('.')[1])] ?? '';
  };
  // A replacer function, so "$&"-style patterns in tool output are inserted literally.
  return template.replace(TEMPLATE, (_, key: string, field: string | undefined) => (field === undefined ? valueOf(key) : fieldOf(valueOf(key), field)));
};

/** Templates every string inside tool-call arguments, so a script can pass the caller's input on to a tool. */
const renderValue = (value: unknown, messages: LlmMessage[]): unknown => {
  if (typeof value === 'string') return render(value, messages);
  if (Array.isArray(value)) return value.map((v) => renderValue(v, messages));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderValue(v, messages)]));
  return value;
};

const charactersOf = (message: LlmMessage): number => {
  const content = message.content ?? '';
  return content.length + (message.role === 'assistant' && message.toolCalls.length > 0 ? JSON.stringify(message.toolCalls).length : 0);
};

// Deterministic stand-in for a tokenizer (~4 characters per token) so usage events are reproducible in tests.
const withUsage = (answer: Answer, messages: LlmMessage[]): LlmResponse => {
  const input = messages.reduce((sum, message) => sum + charactersOf(message), 0);
  const output = answer.content ?? JSON.stringify(answer.toolCalls);
  return {
    ...answer,
    usage: { inputTokens: Math.ceil(input / 4), outputTokens: Math.max(1, Math.ceil(output.length / 4)) },
  };
};

// One turn per assistant message already in the history, so a resumed step replays to the same answer.
const pickTurn = (script: AgentScript, turnIndex: number, path: string): ScriptTurn => {
  const turn = script.turns[turnIndex];
  if (turn !== undefined) return turn;
  const last = script.turns.at(-1);
  if (last !== undefined && 'reply' in last) return last;
  throw new LlmError('llm.script', `${path}: no turn ${turnIndex} and the last turn is not a reply`);
};

const play = (turn: ScriptTurn, turnIndex: number, messages: LlmMessage[]): Answer => {
  if ('reply' in turn) return { content: render(turn.reply, messages), toolCalls: [], finishReason: 'stop' };
  const toolCalls: ToolCallRequest[] = turn.toolCalls.map((call, i) => ({
    id: `call_${turnIndex}_${i}`,
    name: call.name,
    arguments: renderValue(call.arguments, messages) as Record<string, unknown>,
  }));
  return { content: null, toolCalls, finishReason: 'tool_calls' };
};

const throwIfAborted = (signal: AbortSignal): void => {
  if (signal.aborted) throw new LlmError('llm.aborted', 'model call aborted', { cause: signal.reason });
};

const wait = async (ms: number, signal: AbortSignal): Promise<void> => {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    throw new LlmError('llm.aborted', `model call aborted after waiting up to ${ms}ms`, { cause: error });
  }
};

/**
 * Streams a text answer the way a hosted model would: a few fragments that concatenate to it (at most four,
 * cut at word boundaries), so live viewers can be tested offline.
 */
export const chunksOf = (text: string): string[] => {
  const words = text.match(/\S+\s*|\s+/g) ?? [];
  const size = Math.max(1, Math.ceil(words.length / 4));
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += size) chunks.push(words.slice(i, i + size).join(''));
  return chunks;
};

const streamed = (answer: LlmResponse, onDelta: LlmCallOptions['onDelta']): LlmResponse => {
  if (onDelta && answer.content) for (const chunk of chunksOf(answer.content)) onDelta(chunk);
  return answer;
};

/**
 * A deterministic, offline model for tests and demos. With `<repository>/<Agent>.script.yaml` it plays the
 * script; without one it echoes the last user message.
 */
export const createScriptedProvider = (fs: ScriptFs = {}): LlmProvider => {
  const scripts = createScriptStore(fs);
  const complete = async (request: LlmRequest, { signal, onDelta }: LlmCallOptions): Promise<LlmResponse> => {
    throwIfAborted(signal);
    const found = await scripts.load(request.agent);
    throwIfAborted(signal);
    if (found === undefined) {
      const text = request.messages.findLast(byRole('user'))?.content ?? '';
      return streamed(withUsage({ content: `Echo: ${text}`, toolCalls: [], finishReason: 'stop' }, request.messages), onDelta);
    }
    const turnIndex = request.messages.filter((m) => m.role === 'assistant').length;
    const turn = pickTurn(found.script, turnIndex, found.path);
    if (turn.delayMs !== undefined && turn.delayMs > 0) await wait(turn.delayMs, signal);
    return streamed(withUsage(play(turn, turnIndex, request.messages), request.messages), onDelta);
  };
  return { name: 'scripted', complete };
};
