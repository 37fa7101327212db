import { describe, expect, it } from 'vitest';
import { toJsonParam } from './json-param.js';

describe('toJsonParam', () => {
  it('serializes a value without U+0000 exactly as JSON.stringify does', () => {
    const value = { text: 'plain', nested: [{ n: 1, s: 'é ✓' }], none: null };
    expect(toJsonParam(value)).toBe(JSON.stringify(value));
  });

  it('replaces U+0000 in strings at any depth with U+FFFD', () => {
    const parsed = JSON.parse(toJsonParam({ a: 'x\u0000y', list: [{ b: '\u0000' }], keep: 'ok' })) as unknown;
    expect(parsed).toEqual({ a: 'x\uFFFDy', list: [{ b: '\uFFFD' }], keep: 'ok' });
  });

  it('keeps text that spells the escape (backslash, u, 0000) and still replaces a real U+0000 beside it', () => {
    const spelled = 'a literal \\u0000 is six characters';
    expect(JSON.parse(toJsonParam({ spelled }))).toEqual({ spelled });
    expect(JSON.parse(toJsonParam({ spelled, real: 'nul\u0000' }))).toEqual({ spelled, real: 'nul\uFFFD' });
  });
});
