import type { LlmMessage, LlmProvider, LlmRequest } from './llm-provider.js';

/** What OpenAI and Anthropic accept as a tool name. */
const WIRE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const sanitize = (name: string): string => name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'tool';

/**
 * Our tool names (`server.tool`) are not valid on every wire. Per request, each offered tool gets a wire name
 * (itself when valid, else a sanitized one made unique), and the model's tool calls are mapped back, so the
 * recorded events always carry our names. Deterministic in the request, so a replay maps identically.
 */
export const toolNameCodec = (tools: readonly { name: string }[]) => {
  const toWire = new Map<string, string>();
  const fromWire = new Map<string, string>();
  const assign = (name: string, wire: string) => {
    toWire.set(name, wire);
    fromWire.set(wire, name);
  };
  // Valid names first, so a sanitized name can never take a name that is already someone's.
  for (const { name } of tools) if (WIRE_NAME.test(name)) assign(name, name);
  for (const { name } of tools) {
    if (WIRE_NAME.test(name)) continue;
    let wire = sanitize(name);
    for (let n = 2; fromWire.has(wire); n++) wire = `${sanitize(name).slice(0, 60)}_${n}`;
    assign(name, wire);
  }
  return {
    toWire: (name: string): string => toWire.get(name) ?? (WIRE_NAME.test(name) ? name : sanitize(name)),
    fromWire: (name: string): string => fromWire.get(name) ?? name,
  };
};

const mapMessage = (message: LlmMessage, toWire: (name: string) => string): LlmMessage => {
  if (message.role === 'assistant') return { ...message, toolCalls: message.toolCalls.map((c) => ({ ...c, name: toWire(c.name) })) };
  if (message.role === 'tool') return { ...message, name: toWire(message.name) };
  return message;
};

/** Wraps a provider whose API restricts tool names. */
export const withWireToolNames = (provider: LlmProvider): LlmProvider => ({
  name: provider.name,
  complete: async (request, options) => {
    const codec = toolNameCodec(request.tools);
    const wired: LlmRequest = {
      ...request,
      tools: request.tools.map((t) => ({ ...t, name: codec.toWire(t.name) })),
      messages: request.messages.map((m) => mapMessage(m, codec.toWire)),
    };
    const response = await provider.complete(wired, options);
    return { ...response, toolCalls: response.toolCalls.map((c) => ({ ...c, name: codec.fromWire(c.name) })) };
  },
});
