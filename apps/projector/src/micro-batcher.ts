export type MicroBatcher<T> = {
  /** Buffers an item; when the batch is full, resolves once it (and all before it) is handled: back-pressure. */
  add(item: T): Promise<void>;
  /** Flushes what is buffered and resolves when every batch so far is handled. */
  drain(): Promise<void>;
  /** The error that stopped the batcher, if one did. */
  failure(): { error: unknown } | null;
};

export type MicroBatcherOptions<T> = {
  max: number;
  waitMs: number;
  handle: (items: T[]) => Promise<void>;
  /** Called once, on the first failed batch; later batches are dropped (the caller restarts from its checkpoint). */
  onError: (error: unknown) => void;
};

/**
 * Flushes at `max` items or `waitMs` after the first item of a batch, whichever comes first (DESIGN §3: a
 * batch that waits to fill adds its whole wait to projection lag at low load). Batches are handled strictly
 * one after another, in order; the chain never rejects, so a timer-driven flush cannot leak a rejection.
 */
export const createMicroBatcher = <T>(options: MicroBatcherOptions<T>): MicroBatcher<T> => {
  let buffer: T[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let chain: Promise<void> = Promise.resolve();
  let failed: { error: unknown } | null = null;

  const run = async (items: T[]): Promise<void> => {
    if (failed !== null) return;
    try {
      await options.handle(items);
    } catch (error) {
      failed = { error };
      options.onError(error);
    }
  };
  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    const items = buffer;
    buffer = [];
    if (items.length > 0) chain = chain.then(() => run(items));
    return chain;
  };

  return {
    add: (item) => {
      buffer.push(item);
      if (buffer.length >= options.max) return flush();
      timer ??= setTimeout(() => void flush(), options.waitMs);
      return Promise.resolve();
    },
    drain: flush,
    failure: () => failed,
  };
};
