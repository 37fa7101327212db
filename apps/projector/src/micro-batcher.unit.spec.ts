import { describe, expect, it } from 'vitest';
import { createMicroBatcher } from './micro-batcher.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

const recorder = (options: { max: number; waitMs: number; failOn?: number }) => {
  const batches: number[][] = [];
  const errors: unknown[] = [];
  const batcher = createMicroBatcher<number>({
    ...options,
    handle: async (items) => {
      await tick(1);
      if (options.failOn !== undefined && items.includes(options.failOn)) throw new Error(`failed on ${options.failOn}`);
      batches.push(items);
    },
    onError: (error) => errors.push(error),
  });
  return { batcher, batches, errors };
};

describe('createMicroBatcher', () => {
  it('flushes a full batch at once and makes the producer wait for it', async () => {
    const { batcher, batches } = recorder({ max: 3, waitMs: 10_000 });
    await batcher.add(1);
    await batcher.add(2);
    await batcher.add(3);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('flushes a partial batch shortly after its first item', async () => {
    const { batcher, batches } = recorder({ max: 100, waitMs: 5 });
    await batcher.add(1);
    await batcher.add(2);
    expect(batches).toEqual([]);
    await tick(30);
    expect(batches).toEqual([[1, 2]]);
  });

  it('handles batches one at a time, in order, and drains what is left', async () => {
    const { batcher, batches } = recorder({ max: 2, waitMs: 1 });
    for (const n of [1, 2, 3, 4, 5]) void batcher.add(n);
    await batcher.drain();
    expect(batches.flat()).toEqual([1, 2, 3, 4, 5]);
  });

  it('gathers what arrives while a batch is handled into the next batch, started as soon as that one ends', async () => {
    const batches: number[][] = [];
    const batcher = createMicroBatcher<number>({
      max: 100,
      waitMs: 1,
      handle: async (items) => {
        batches.push(items);
        await tick(25);
      },
      onError: () => undefined,
    });
    await batcher.add(1);
    await tick(3); // [1] is being handled (25 ms); each later item would have had its own 1 ms timer
    for (const n of [2, 3, 4, 5]) {
      await batcher.add(n);
      await tick(3);
    }
    expect(batches).toEqual([[1]]);
    await batcher.drain();
    expect(batches).toEqual([[1], [2, 3, 4, 5]]);
  });

  it('stops at the first failed batch, reports it once, and drops later batches', async () => {
    const { batcher, batches, errors } = recorder({ max: 1, waitMs: 1, failOn: 2 });
    for (const n of [1, 2, 3]) await batcher.add(n);
    await batcher.drain();
    expect(batches).toEqual([[1]]);
    expect(errors).toHaveLength(1);
    expect(batcher.failure()?.error).toBeInstanceOf(Error);
  });
});
