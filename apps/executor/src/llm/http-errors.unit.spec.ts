import { describe, expect, it } from 'vitest';
import { errorFromResponse, errorFromTransport, parseRetryAfter, redact } from './http-errors.js';

const NOW = Date.parse('2025-01-01T00:00:00Z');
const headers = (init: Record<string, string>) => new Headers(init);
const context = { provider: 'openai', secrets: ['sk-secret'] };

describe('parseRetryAfter', () => {
  it.each([
    [{ 'retry-after': '3' }, 3000],
    [{ 'retry-after': '0.5' }, 500],
    [{ 'retry-after': 'Wed, 01 Jan 2025 00:00:10 GMT' }, 10_000],
    [{ 'retry-after': 'Tue, 31 Dec 2024 23:59:00 GMT' }, 0],
    [{ 'retry-after-ms': '1250.4', 'retry-after': '2' }, 1251],
    [{ 'retry-after': 'soon' }, undefined],
    [{ 'retry-after': '-1' }, undefined],
    [{}, undefined],
  ])('reads %j as %s ms', (init, expected) => {
    expect(parseRetryAfter(headers(init), NOW)).toBe(expected);
  });
});

describe('errorFromResponse', () => {
  it.each([
    [408, 'llm.unavailable', true],
    [409, 'llm.unavailable', true],
    [503, 'llm.unavailable', true],
    [529, 'llm.unavailable', true],
    [401, 'llm.bad_request', false],
    [404, 'llm.bad_request', false],
    [422, 'llm.bad_request', false],
  ])('maps HTTP %i to %s (retryable: %s)', async (status, code, retryable) => {
    const error = await errorFromResponse(new Response('{}', { status }), context);
    expect(error).toMatchObject({ code, retryable });
  });

  it.each([
    ['{"error":{"message":"bad key sk-secret"}}', 'bad key [redacted]'],
    ['{"error":"model \\"x\\" not found"}', 'model "x" not found'],
    ['{"object":"error","message":"vLLM says no","code":400}', 'vLLM says no'],
    ['<html>Bad Gateway</html>', '<html>Bad Gateway</html>'],
  ])('takes the message from %s', async (body, message) => {
    const error = await errorFromResponse(new Response(body, { status: 400 }), context);
    expect(error.message).toBe(`openai: HTTP 400: ${message}`);
  });
});

describe('errorFromTransport', () => {
  it('prefers aborted over the error the abort caused', () => {
    const controller = new AbortController();
    controller.abort();
    expect(errorFromTransport(new DOMException('aborted', 'AbortError'), controller.signal, context).code).toBe('llm.aborted');
  });

  it('maps a network failure to unavailable and redacts secrets', () => {
    const error = errorFromTransport(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED sk-secret') }), new AbortController().signal, context);
    expect(error).toMatchObject({ code: 'llm.unavailable', retryable: true });
    expect(error.message).toBe('openai: request failed: fetch failed: connect ECONNREFUSED [redacted]');
  });
});

describe('redact', () => {
  it('ignores empty secrets', () => {
    expect(redact('abc', [''])).toBe('abc');
  });
});
