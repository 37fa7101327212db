import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from './json-depth.js';

describe('nestsDeeperThan', () => {
  it('counts objects and arrays, and stops at the first level past the limit', () => {
    expect(nestsDeeperThan('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(nestsDeeperThan('{"a":[{"b":[1]}]}', 3)).toBe(true);
    expect(nestsDeeperThan(`${'['.repeat(1_000_000)}`, 64)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan(JSON.stringify({ text: '[[[[[[{{{{{{' }), 2)).toBe(false);
    expect(nestsDeeperThan(JSON.stringify({ text: 'say \\"[[[[[\\" please' }), 2)).toBe(false);
  });

  it('lets ordinary A2A messages through', () => {
    const message = { jsonrpc: '2.0', id: 1, method: 'message/send', params: { message: { parts: [{ kind: 'data', data: { a: { b: { c: [1, 2] } } } }] } } };
    expect(nestsDeeperThan(JSON.stringify(message))).toBe(false);
  });
});
