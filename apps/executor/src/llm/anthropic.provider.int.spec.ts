import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LlmMessage, LlmRequest } from './llm-provider.js';
import { createAnthropicProvider, type AnthropicOptions } from './anthropic.provider.js';
import { llmRequest, rejection, splitBytes, sseEvent, startMockLlmServer, weatherTool, type MockLlmServer } from './mock-llm-server.fixture.js';

const API_KEY = 'sk-ant-api03-test-0123456789';
const signal = new AbortController().signal;
let server: MockLlmServer;

beforeEach(async () => {
  server = await startMockLlmServer();
});
afterEach(async () => {
  await server.close();
});

const provider = (options: Partial<AnthropicOptions> = {}) => createAnthropicProvider({ baseUrl: server.url, apiKey: API_KEY, ...options });

const request = (messages: LlmMessage[], extra: Partial<LlmRequest> = {}) => llmRequest(messages, { model: 'claude-sonnet-4-5', ...extra });
const history: LlmMessage[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Weather in Paris and Oslo?' },
];

// Shaped like https://docs.anthropic.com/en/api/messages (response body).
const message = (content: unknown[], stopReason: string, usage = { input_tokens: 12, output_tokens: 6 }) => ({
  id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content,
  stop_reason: stopReason,
  stop_sequence: null,
  usage: { ...usage, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: 'standard' },
});
const event = (data: { type: string } & Record<string, unknown>) => sseEvent(data, data.type);

describe('Anthropic provider', () => {
  it('answers plainly, with the system prompt top-level and max_tokens defaulted to 1024', async () => {
    server.reply({ json: message([{ type: 'text', text: 'Sunny in ' }, { type: 'text', text: 'both.' }], 'end_turn') });
    const response = await provider().complete(request(history, { temperature: 0.3 }), { signal });
    expect(response).toEqual({ content: 'Sunny in both.', toolCalls: [], finishReason: 'stop', usage: { inputTokens: 12, outputTokens: 6 } });
    const [received] = server.received;
    expect(received).toMatchObject({ method: 'POST', path: '/v1/messages' });
    expect(received?.headers).toMatchObject({ 'x-api-key': API_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' });
    expect(received?.headers.authorization).toBeUndefined();
    expect(received?.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      system: 'You are terse.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Oslo?' }] }],
      temperature: 0.3,
    });
  });

  it('round-trips tool_use: tool results become one user turn and roles alternate', async () => {
    const toolUses = [
      { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'toolu_01B', name: 'get_weather', input: { city: 'Oslo' } },
    ];
    server.reply(
      { json: message([{ type: 'text', text: "I'll check both." }, ...toolUses], 'tool_use') },
      { json: message([{ type: 'text', text: 'Paris 21°C, Oslo 9°C.' }], 'end_turn') },
    );
    const llm = provider({ modelPrefix: 'anthropic/' });
    const first = await llm.complete(request(history, { tools: [weatherTool], maxTokens: 4096 }), { signal });
    expect(first).toMatchObject({
      content: "I'll check both.",
      finishReason: 'tool_calls',
      toolCalls: [
        { id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: { city: 'Paris' } },
        { id: 'toolu_01B', name: 'get_weather', arguments: { city: 'Oslo' } },
      ],
    });
    const followUp: LlmMessage[] = [
      ...history,
      { role: 'assistant', content: first.content, toolCalls: first.toolCalls },
      { role: 'tool', toolCallId: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', content: '21°C' },
      { role: 'tool', toolCallId: 'toolu_01B', name: 'get_weather', content: '9°C' },
      { role: 'user', content: 'Answer in one line.' },
    ];
    await llm.complete(request(followUp, { model: 'anthropic/claude-sonnet-4-5', tools: [weatherTool] }), { signal });
    expect(server.received[0]?.body).toMatchObject({ max_tokens: 4096 });
    expect(server.received[1]?.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      system: 'You are terse.',
      tools: [{ name: 'get_weather', description: 'Current weather for a city', input_schema: weatherTool.inputSchema }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Oslo?' }] },
        { role: 'assistant', content: [{ type: 'text', text: "I'll check both." }, ...toolUses] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '21°C' },
            { type: 'tool_result', tool_use_id: 'toolu_01B', content: '9°C' },
            { type: 'text', text: 'Answer in one line.' },
          ],
        },
      ],
    });
  });

  it('accumulates a stream with text and input_json_delta cut at arbitrary byte boundaries', async () => {
    const text = [
      event({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'claude-sonnet-4-5', stop_reason: null, stop_sequence: null, usage: { input_tokens: 472, output_tokens: 2 } } }),
      event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      event({ type: 'ping' }),
      event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking the café ☕ ' } }),
      event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'weather…' } }),
      event({ type: 'content_block_stop', index: 0 }),
      event({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: {} } }),
      event({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } }),
      event({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city": "San' } }),
      event({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: ' Francisco, CA"}' } }),
      event({ type: 'content_block_stop', index: 1 }),
      event({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 89 } }),
      event({ type: 'message_stop' }),
    ].join('');
    server.reply({ sse: splitBytes(text, 11) });
    const deltas: string[] = [];
    // Per call, as the step loop passes it (the provider-level option is the fallback).
    const response = await provider({ stream: true }).complete(request(history, { tools: [weatherTool] }), { signal, onDelta: (t) => deltas.push(t) });
    expect(response).toEqual({
      content: 'Checking the café ☕ weather…',
      toolCalls: [{ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: { city: 'San Francisco, CA' } }],
      finishReason: 'tool_calls',
      usage: { inputTokens: 472, outputTokens: 89 },
    });
    expect(deltas.join('')).toBe('Checking the café ☕ weather…');
    expect(server.received[0]?.body).toMatchObject({ stream: true });
  });

  it('maps stop_reason max_tokens to length', async () => {
    server.reply({ json: message([{ type: 'text', text: 'The weather in Par' }], 'max_tokens') });
    const response = await provider().complete(request(history, { maxTokens: 5 }), { signal });
    expect(response.finishReason).toBe('length');
  });

  it('maps 529 overloaded to a retryable unavailable', async () => {
    server.reply({ status: 529, json: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    const error = await rejection(provider().complete(request(history), { signal }));
    expect(error).toMatchObject({ code: 'llm.unavailable', retryable: true });
    expect(error.message).toContain('Overloaded');
  });

  it('maps an overloaded error event mid-stream to a retryable unavailable', async () => {
    server.reply({
      sse: [
        event({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], usage: { input_tokens: 10, output_tokens: 1 } } }),
        event({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
      ],
    });
    const error = await rejection(provider({ stream: true }).complete(request(history), { signal }));
    expect(error).toMatchObject({ code: 'llm.unavailable', retryable: true });
  });

  it('maps 429 with retry-after to rate_limited, and 401 to bad_request without the key', async () => {
    server.reply(
      { status: 429, headers: { 'retry-after': '7' }, json: { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } } },
      { status: 401, json: { type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${API_KEY}` } } },
    );
    expect(await rejection(provider().complete(request(history), { signal }))).toMatchObject({ code: 'llm.rate_limited', retryAfterMs: 7000 });
    const denied = await rejection(provider().complete(request(history), { signal }));
    expect(denied).toMatchObject({ code: 'llm.bad_request', retryable: false });
    expect(denied.message).toContain('invalid x-api-key');
    expect(denied.message).not.toContain(API_KEY);
  });
});
