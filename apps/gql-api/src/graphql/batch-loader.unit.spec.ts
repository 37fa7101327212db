import { describe, expect, it } from 'vitest';
import { createBatchLoader } from './batch-loader.js';

describe('createBatchLoader', () => {
  it('loads the keys asked for in one pass with one call, memoized, with a fallback for missing keys', async () => {
    const calls: (readonly string[])[] = [];
    const loader = createBatchLoader(async (keys: readonly string[]) => {
      calls.push(keys);
      return new Map(keys.filter((k) => k !== 'none').map((k) => [k, [k.toUpperCase()]]));
    }, (): string[] => []);
    // As GraphQL does: siblings ask in the same tick, a nested field a few promise jobs later.
    const nested = Promise.resolve().then(() => Promise.resolve()).then(() => loader.load('c'));
    const results = await Promise.all([loader.load('a'), loader.load('b'), loader.load('a'), loader.load('none'), nested]);
    expect(results).toEqual([['A'], ['B'], ['A'], [], ['C']]);
    expect(calls).toEqual([['a', 'b', 'none', 'c']]);
    await loader.load('b');
    expect(calls).toHaveLength(1);
  });

  it('rejects every key of a failed batch', async () => {
    const loader = createBatchLoader(async () => Promise.reject(new Error('db down')), () => 0);
    await expect(Promise.all([loader.load('x'), loader.load('y')])).rejects.toThrow('db down');
  });
});
