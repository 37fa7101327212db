import { describe, expect, it } from 'vitest';
import { LlmError } from '../llm/llm-provider.js';
import { McpToolsError } from '../tools/mcp-tools.error.js';
import { classifyFailure } from './failed-attempt.js';

const withCode = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

describe('which kind of failure an attempt met (issue 7)', () => {
  it('a model provider error is a model failure, with the delay the provider asked for', () => {
    const throttled = Object.assign(new LlmError('llm.rate_limited', 'slow down'), { retryAfterMs: 2000 });
    expect(classifyFailure(throttled)).toEqual({ kind: 'model', message: 'slow down', retryAfterMs: 2000 });
    expect(classifyFailure(new LlmError('llm.unavailable', 'openai: 503', { cause: withCode('ECONNREFUSED') })).kind).toBe('model');
  });

  it('a tool source that cannot be reached is a tool failure, even when a socket error caused it', () => {
    expect(classifyFailure(new McpToolsError('mcp.connect_failed', 'probe: cannot connect', { cause: withCode('ECONNREFUSED') }))).toEqual({ kind: 'tool', message: 'probe: cannot connect' });
  });

  it('socket, fetch and NATS errors are network failures, also when wrapped', () => {
    expect(classifyFailure(withCode('ECONNRESET')).kind).toBe('network');
    expect(classifyFailure(new TypeError('fetch failed', { cause: withCode('UND_ERR_SOCKET') })).kind).toBe('network');
    expect(classifyFailure(Object.assign(new Error('timeout'), { name: 'TimeoutError' })).kind).toBe('network');
    expect(classifyFailure(Object.assign(new Error('JetStream system temporarily unavailable'), { name: 'JetStreamApiError', status: 503 })).kind).toBe('network');
    expect(classifyFailure(Object.assign(new Error('stream not found'), { name: 'JetStreamApiError', status: 404 })).kind).toBe('internal');
    expect(classifyFailure(new Error('append failed', { cause: new Error('wrapped', { cause: Object.assign(new Error('no responders'), { name: 'NoResponders' }) }) })).kind).toBe('network');
  });

  it('anything else is internal, and a thrown non-error still has a message', () => {
    expect(classifyFailure(new RangeError('bug'))).toEqual({ kind: 'internal', message: 'bug' });
    expect(classifyFailure('plain string')).toEqual({ kind: 'internal', message: 'plain string' });
    expect(classifyFailure(null)).toEqual({ kind: 'internal', message: 'null' });
  });
});
