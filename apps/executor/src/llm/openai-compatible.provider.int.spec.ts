import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LlmMessage, LlmRequest } from './llm-provider.js';
import { createOpenAiCompatibleProvider, type OpenAiCompatibleOptions } from './openai-compatible.provider.js';
import { llmRequest, rejection, splitBytes, sseEvent, startMockLlmServer, weatherTool, type MockLlmServer } from './mock-llm-server.fixture.js';

const API_KEY = 'sk-test-0123456789abcdef';
const signal = new AbortController().signal;
let server: MockLlmServer;

beforeEach(async () => {
  server = await startMockLlmServer();
});
afterEach(async () => {
  await server.close();
});

const provider = (options: Partial<OpenAiCompatibleOptions> = {}) =>
  createOpenAiCompatibleProvider({ name: 'openai', baseUrl: `${server.url}/v1/`, apiKey: API_KEY, ...options });

const request = (messages: LlmMessage[], extra: Partial<LlmRequest> = {}) => llmRequest(messages, { model: 'gpt-4o-mini', ...extra });
const history: LlmMessage[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Weather in Paris?' },
];

// Shaped like https://platform.openai.com/docs/api-reference/chat/object
const completion = (message: Record<string, unknown>, finishReason: string, usage = { prompt_tokens: 19, completion_tokens: 10 }) => ({
  id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  object: 'chat.completion',
  created: 1741569952,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message: { role: 'assistant', refusal: null, annotations: [], ...message }, logprobs: null, finish_reason: finishReason }],
  usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens, prompt_tokens_details: { cached_tokens: 0 } },
  service_tier: 'default',
  system_fingerprint: 'fp_44709d6fcb',
});
const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
  sseEvent({
    id: 'chatcmpl-123',
    object: 'chat.completion.chunk',
    created: 1694268190,
    model: 'gpt-4o-mini',
    system_fingerprint: 'fp_44709d6fcb',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    usage: null,
  });
const usageChunk = sseEvent({ id: 'chatcmpl-123', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52 } });

describe('OpenAI-compatible provider', () => {
  it('answers plainly and maps the request to Chat Completions', async () => {
    server.reply({ json: completion({ content: 'Sunny, 21°C.' }, 'stop') });
    const response = await provider().complete(request(history, { temperature: 0.2, maxTokens: 256 }), { signal });
    expect(response).toEqual({ content: 'Sunny, 21°C.', toolCalls: [], finishReason: 'stop', usage: { inputTokens: 19, outputTokens: 10 } });
    const [received] = server.received;
    expect(received).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(received?.headers).toMatchObject({ authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' });
    expect(received?.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Weather in Paris?' },
      ],
      temperature: 0.2,
      max_tokens: 256,
    });
  });

  it('round-trips a tool call: tool_calls out, assistant tool_calls and a tool message back in', async () => {
    server.reply(
      { json: completion({ content: null, tool_calls: [{ id: 'call_abc123', type: 'function', function: { name: 'get_weather', arguments: '{\n"city": "Paris"\n}' } }] }, 'tool_calls') },
      { json: completion({ content: 'It is sunny in Paris.' }, 'stop') },
    );
    const llm = provider();
    const first = await llm.complete(request(history, { tools: [weatherTool] }), { signal });
    expect(first).toMatchObject({ content: null, finishReason: 'tool_calls', toolCalls: [{ id: 'call_abc123', name: 'get_weather', arguments: { city: 'Paris' } }] });

    const followUp: LlmMessage[] = [
      ...history,
      { role: 'assistant', content: first.content, toolCalls: first.toolCalls },
      { role: 'tool', toolCallId: 'call_abc123', name: 'get_weather', content: '{"temp":21}' },
    ];
    const second = await llm.complete(request(followUp, { tools: [weatherTool] }), { signal });
    expect(second.content).toBe('It is sunny in Paris.');
    expect(server.received[1]?.body).toMatchObject({
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: weatherTool.inputSchema } }],
      messages: [
        { role: 'system' },
        { role: 'user' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc123', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_abc123', content: '{"temp":21}' },
      ],
    });
  });

  it('accumulates a stream cut at arbitrary byte boundaries, with tool-call argument deltas and final usage', async () => {
    const text = [
      ': keep-alive\n\n',
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Checking the café ☕ ' }),
      chunk({ content: 'weather…' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Paris"}' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '"Oslo"}' } }] }),
      chunk({}, 'tool_calls'),
      usageChunk,
      'data: [DONE]\n\n',
    ].join('');
    server.reply({ sse: splitBytes(text, 7) });
    const deltas: string[] = [];
    // Per call, as the step loop passes it (the provider-level option is the fallback).
    const response = await provider({ stream: true }).complete(request(history, { tools: [weatherTool] }), { signal, onDelta: (t) => deltas.push(t) });
    expect(response).toEqual({
      content: 'Checking the café ☕ weather…',
      toolCalls: [
        { id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } },
        { id: 'call_2', name: 'get_weather', arguments: { city: 'Oslo' } },
      ],
      finishReason: 'tool_calls',
      usage: { inputTokens: 40, outputTokens: 12 },
    });
    expect(deltas.join('')).toBe('Checking the café ☕ weather…');
    expect(server.received[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('maps 429 with retry-after to rate_limited carrying retryAfterMs', async () => {
    server.reply({
      status: 429,
      headers: { 'retry-after': '2' },
      json: { error: { message: 'Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3.', type: 'requests', param: null, code: 'rate_limit_exceeded' } },
    });
    const error = await rejection(provider().complete(request(history), { signal }));
    expect(error).toMatchObject({ code: 'llm.rate_limited', retryable: true, retryAfterMs: 2000 });
  });

  it('treats an exhausted quota (429 insufficient_quota) as not retryable', async () => {
    server.reply({ status: 429, json: { error: { message: 'You exceeded your current quota.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } } });
    const error = await rejection(provider().complete(request(history), { signal }));
    expect(error).toMatchObject({ code: 'llm.rate_limited', retryable: false });
  });

  it('maps 500 to a retryable unavailable', async () => {
    server.reply({ status: 500, json: { error: { message: 'The server had an error while processing your request.', type: 'server_error' } } });
    const error = await rejection(provider().complete(request(history), { signal }));
    expect(error).toMatchObject({ code: 'llm.unavailable', retryable: true });
  });

  it("maps 400 to bad_request with the server's message and never the key", async () => {
    server.reply({
      status: 400,
      json: { error: { message: `Invalid value for 'temperature' (request by key ${API_KEY}).`, type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } },
    });
    const error = await rejection(provider().complete(request(history, { temperature: 9 }), { signal }));
    expect(error).toMatchObject({ code: 'llm.bad_request', retryable: false });
    expect(error.message).toContain("Invalid value for 'temperature'");
    expect(error.message).not.toContain(API_KEY);
  });

  it('aborts mid-stream', async () => {
    server.reply({ sse: [chunk({ role: 'assistant', content: 'Once upon' }), chunk({ content: ' a time' })], hold: true });
    const controller = new AbortController();
    const pending = provider({ stream: true, onDelta: () => controller.abort() }).complete(request(history), { signal: controller.signal });
    const error = await rejection(pending);
    expect(error).toMatchObject({ code: 'llm.aborted', retryable: false });
  });

  it('strips the ollama/ prefix and sends no authorization without a key', async () => {
    server.reply({ json: { ...completion({ content: 'hi' }, 'stop'), model: 'llama3.2', system_fingerprint: 'fp_ollama' } });
    const ollama = createOpenAiCompatibleProvider({ name: 'ollama', baseUrl: `${server.url}/v1`, modelPrefix: 'ollama/' });
    await ollama.complete(request(history, { model: 'ollama/llama3.2' }), { signal });
    expect(server.received[0]?.body).toMatchObject({ model: 'llama3.2' });
    expect(server.received[0]?.headers.authorization).toBeUndefined();
  });

  it('rejects tool arguments that are not JSON as a retryable bad response', async () => {
    server.reply({ json: completion({ content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Par' } }] }, 'tool_calls') });
    const error = await rejection(provider().complete(request(history, { tools: [weatherTool] }), { signal }));
    expect(error).toMatchObject({ code: 'llm.bad_response', retryable: true });
    expect(error.message).toContain('get_weather');
  });

  it('does not trust a stream that closes before finish_reason', async () => {
    server.reply({ sse: [chunk({ role: 'assistant', content: 'partial' })] });
    const error = await rejection(provider({ stream: true }).complete(request(history), { signal }));
    expect(error).toMatchObject({ code: 'llm.bad_response', retryable: true });
  });

  it('maps a refused connection to unavailable', async () => {
    const llm = provider();
    await server.close();
    const error = await rejection(llm.complete(request(history), { signal }));
    expect(error).toMatchObject({ code: 'llm.unavailable', retryable: true });
    server = await startMockLlmServer(); // afterEach closes it
  });
});
